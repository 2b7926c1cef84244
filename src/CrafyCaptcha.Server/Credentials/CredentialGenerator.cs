using System.Security.Cryptography;
using NSec.Cryptography;

namespace CrafyCaptcha.Server.Credentials;

/// <summary>
/// Makes new credentials (the one generator: the development credential, <c>crafy keys new</c>, the control panel and
/// <c>crafy credentials</c> all use it): random keys from the OS generator, an Ed25519 key pair from NSec.
/// </summary>
internal static class CredentialGenerator
{
    /// <summary>A complete new credential with no domains.</summary>
    public static ChallengeCredential Create(string plan = "starter", string publicTokenPrefix = "pt_")
    {
        using Key signing = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return new ChallengeCredential
        {
            PublicKey = "pk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            SecretKey = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            SigningPrivateKey = Convert.ToBase64String(signing.Export(KeyBlobFormat.RawPrivateKey)),
            PublicToken = NewPublicToken(publicTokenPrefix),
            Plan = plan,
        };
    }

    /// <summary>A new opaque Public Token (a plan change issues one).</summary>
    public static string NewPublicToken(string prefix = "pt_") => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Base64 of the raw Ed25519 public key of <paramref name="signingPrivateKey"/> (base64 of the raw seed).</summary>
    public static string SigningPublicKeyOf(string signingPrivateKey)
    {
        byte[] seed = Convert.FromBase64String(signingPrivateKey);
        try
        {
            using Key key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
            return Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }
}
