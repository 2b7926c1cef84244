using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace CrafyCaptcha.Server.Credentials;

/// <summary>
/// The credentials the engine serves: those of configuration plus, when enabled, a development credential created
/// once and kept in a file whose secret parts are protected with ASP.NET Core Data Protection.
/// </summary>
internal sealed class CredentialStore : IDisposable
{
    private const string ProtectorPurpose = "CrafyCaptcha.Server.DevelopmentCredential.v1";
    private readonly Dictionary<string, ServedCredential> _byPublicToken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServedCredential> _byPublicKey = new(StringComparer.Ordinal);

    public CredentialStore(IOptions<ChallengeServerOptions> options, IDataProtectionProvider dataProtection, IHostEnvironment environment)
    {
        ChallengeServerOptions o = options.Value;
        foreach (ChallengeCredential credential in o.Credentials)
        {
            Add(credential);
        }

        if (o.UseDevelopmentCredential)
        {
            string path = o.DevelopmentCredentialPath ?? Path.Combine(environment.ContentRootPath, ".crafy", "dev-credential.json");
            Development = Add(LoadOrCreate(path, dataProtection.CreateProtector(ProtectorPurpose)));
        }
    }

    /// <summary>The development credential, when enabled.</summary>
    public ServedCredential? Development { get; }

    public ServedCredential? FindByPublicToken(string? publicToken)
        => publicToken is not null && _byPublicToken.TryGetValue(publicToken, out ServedCredential? c) ? c : null;

    public ServedCredential? FindByPublicKey(string? publicKey)
        => publicKey is not null && _byPublicKey.TryGetValue(publicKey, out ServedCredential? c) ? c : null;

    private ServedCredential Add(ChallengeCredential credential)
    {
        var served = new ServedCredential(credential);
        _byPublicToken[credential.PublicToken] = served;
        _byPublicKey[credential.PublicKey] = served;
        return served;
    }

    internal static ChallengeCredential NewCredential()
    {
        using Key signing = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return new ChallengeCredential
        {
            PublicKey = "pk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            SecretKey = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            SigningPrivateKey = Convert.ToBase64String(signing.Export(KeyBlobFormat.RawPrivateKey)),
            PublicToken = "pt_dev_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
            Plan = "scale",
        };
    }

    private static ChallengeCredential LoadOrCreate(string path, IDataProtector protector)
    {
        if (File.Exists(path))
        {
            try
            {
                StoredCredential stored = JsonSerializer.Deserialize(File.ReadAllText(path), StoredCredentialJson.Default.StoredCredential)
                    ?? throw new InvalidDataException("empty file");
                return new ChallengeCredential
                {
                    PublicKey = stored.PublicKey,
                    PublicToken = stored.PublicToken,
                    Plan = stored.Plan,
                    SecretKey = protector.Unprotect(stored.ProtectedSecretKey),
                    SigningPrivateKey = protector.Unprotect(stored.ProtectedSigningPrivateKey),
                };
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or CryptographicException or FormatException)
            {
                // Unreadable, or protected with keys this machine no longer has: make a new one.
            }
        }

        ChallengeCredential created = NewCredential();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var record = new StoredCredential(created.PublicKey, created.PublicToken, created.Plan, protector.Protect(created.SecretKey), protector.Protect(created.SigningPrivateKey));
        File.WriteAllText(path, JsonSerializer.Serialize(record, StoredCredentialJson.Default.StoredCredential));
        return created;
    }

    public void Dispose()
    {
        foreach (ServedCredential credential in _byPublicKey.Values)
        {
            credential.Dispose();
        }
    }
}

internal sealed record StoredCredential(string PublicKey, string PublicToken, string Plan, string ProtectedSecretKey, string ProtectedSigningPrivateKey);

[System.Text.Json.Serialization.JsonSerializable(typeof(StoredCredential))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class StoredCredentialJson : System.Text.Json.Serialization.JsonSerializerContext;
