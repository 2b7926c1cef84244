using System.Security.Cryptography;
using System.Text;
using CrafyCaptcha.Cryptography;
using Microsoft.IdentityModel.Tokens;
using NSec.Cryptography;

namespace CrafyCaptcha.Server.Credentials;

/// <summary>A credential ready to serve: keys derived once (secret box, Ed25519 key, proof-of-work HMAC key).</summary>
internal sealed class ServedCredential : IDisposable
{
    private readonly HashSet<string> _domains;

    public ServedCredential(ChallengeCredential credential)
    {
        Credential = credential;
        SecretBox = new SecretBox(credential.SecretKey);
        byte[] seed = Convert.FromBase64String(credential.SigningPrivateKey);
        SigningKey = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        BearerKey = new SymmetricSecurityKey(HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, 32, [], "CrafyCaptcha.Server.ApiBearer.v1"u8.ToArray()));
        CryptographicOperations.ZeroMemory(seed);
        SigningPublicKey = Convert.ToBase64String(SigningKey.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        PowKey = HMACSHA256.HashData(Encoding.UTF8.GetBytes(credential.SecretKey), "crafy-pow-v1"u8);
        _domains = credential.Domains.Select(OriginNormaliser.AsciiHost).OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    public ChallengeCredential Credential { get; }

    /// <summary>The credential's Turnstile site key, or <see langword="null"/> without Turnstile.</summary>
    public string? TurnstileSiteKey => Credential.Turnstile.IsConfigured ? Credential.Turnstile.SiteKey : null;

    /// <summary>
    /// The key that signs the REST API's bearer tokens (HMAC-SHA256): HKDF-SHA256 of the engine's own Ed25519 seed with
    /// a purpose string — never the site's Secret Key, and every instance with the same credential derives the same key.
    /// </summary>
    public SymmetricSecurityKey BearerKey { get; }

    /// <summary>The credential's plan (<see cref="ChallengeCredential.Plan"/>; validated at start-up, Starter if unknown).</summary>
    public ApiPlan Plan => ApiPlan.Find(Credential.Plan) ?? ApiPlan.Starter;

    public SecretBox SecretBox { get; }

    public Key SigningKey { get; }

    public string SigningPublicKey { get; }

    /// <summary>The key that signs proof-of-work challenges; derived from the secret so every instance agrees.</summary>
    public byte[] PowKey { get; }

    /// <summary>
    /// Whether a page on <paramref name="host"/> may embed the challenge: loopback, or one of the credential's domains.
    /// Both sides are compared in lowercase punycode, so <c>bücher.de</c> and <c>xn--bcher-kva.de</c> are the same domain.
    /// </summary>
    public bool AllowsHost(string host)
        => host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host == "127.0.0.1"
            || host == "[::1]"
            || (OriginNormaliser.AsciiHost(host) is { } ascii && _domains.Contains(ascii));

    public string Sign(string text) => Convert.ToBase64String(SignatureAlgorithm.Ed25519.Sign(SigningKey, Encoding.UTF8.GetBytes(text)));

    public void Dispose()
    {
        SecretBox.Dispose();
        SigningKey.Dispose();
    }
}
