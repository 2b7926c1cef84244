using System.Security.Cryptography;
using CrafyCaptcha.Server.Credentials;
using NSec.Cryptography;

namespace CrafyCaptcha.Server;

/// <summary>
/// Makes new credentials (the one generator: the development credential, <c>crafy keys new</c>, the control panel and
/// <c>crafy credentials</c> all use it): random keys from the OS generator, an Ed25519 key pair from NSec.
/// </summary>
public static class CredentialGenerator
{
    /// <summary>A complete new credential with no domains.</summary>
    /// <param name="plan">The plan (<c>starter</c>, <c>growth</c> or <c>scale</c>).</param>
    /// <param name="publicTokenPrefix">The Public Token's prefix.</param>
    /// <returns>The credential, its secrets in plain text: store them protected.</returns>
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
    /// <param name="prefix">The token's prefix.</param>
    /// <returns>The token.</returns>
    public static string NewPublicToken(string prefix = "pt_") => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The canonical name of a plan (any case), or <see langword="null"/> for an unknown plan.</summary>
    /// <param name="plan">A plan name.</param>
    /// <returns><c>starter</c>, <c>growth</c>, <c>scale</c> or <see langword="null"/>.</returns>
    public static string? PlanName(string? plan) => ApiPlan.Find(plan)?.Name;

    /// <summary>A domain as the engine compares it (lowercase punycode), or <see langword="null"/> when it is not a host name.</summary>
    /// <param name="domain">A host name, Unicode or punycode.</param>
    /// <returns>The normalised name, or <see langword="null"/>.</returns>
    public static string? DomainName(string? domain) => OriginNormaliser.AsciiHost(domain);

    /// <summary>Base64 of the raw Ed25519 public key of <paramref name="signingPrivateKey"/> (base64 of the raw seed).</summary>
    /// <param name="signingPrivateKey">Base64 of the raw 32-byte Ed25519 seed.</param>
    /// <returns>The public key the site configures as <c>SigningPublicKey</c>.</returns>
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
