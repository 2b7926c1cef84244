using System.Security.Cryptography;
using System.Text;
using CrafyCaptcha.Cryptography;
using NSec.Cryptography;

namespace CrafyCaptcha.Server.Credentials;

/// <summary>A credential ready to serve: keys derived once (secret box, Ed25519 key, proof-of-work HMAC key).</summary>
internal sealed class ServedCredential : IDisposable
{
    public ServedCredential(ChallengeCredential credential)
    {
        Credential = credential;
        SecretBox = new SecretBox(credential.SecretKey);
        byte[] seed = Convert.FromBase64String(credential.SigningPrivateKey);
        SigningKey = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        CryptographicOperations.ZeroMemory(seed);
        SigningPublicKey = Convert.ToBase64String(SigningKey.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        PowKey = HMACSHA256.HashData(Encoding.UTF8.GetBytes(credential.SecretKey), "crafy-pow-v1"u8);
    }

    public ChallengeCredential Credential { get; }

    public SecretBox SecretBox { get; }

    public Key SigningKey { get; }

    public string SigningPublicKey { get; }

    /// <summary>The key that signs proof-of-work challenges; derived from the secret so every instance agrees.</summary>
    public byte[] PowKey { get; }

    public bool AllowsHost(string host)
        => host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host == "127.0.0.1"
            || host == "[::1]"
            || Credential.Domains.Any(d => d.Equals(host, StringComparison.OrdinalIgnoreCase));

    public string Sign(string text) => Convert.ToBase64String(SignatureAlgorithm.Ed25519.Sign(SigningKey, Encoding.UTF8.GetBytes(text)));

    public void Dispose()
    {
        SecretBox.Dispose();
        SigningKey.Dispose();
    }
}
