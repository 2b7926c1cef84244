using System.Security.Cryptography;
using System.Text.Json;
using CrafyCaptcha.Server.Internal;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Credentials;

/// <summary>
/// The credentials the engine serves: those of configuration plus, when enabled and only in the Development
/// environment, a development credential created once and kept in a file whose secret parts are protected with ASP.NET
/// Core Data Protection (when those keys change, the credential is replaced and a warning says why).
/// </summary>
internal sealed class CredentialStore : IDisposable
{
    private const string ProtectorPurpose = "CrafyCaptcha.Server.DevelopmentCredential.v1";
    private readonly Dictionary<string, ServedCredential> _byPublicToken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServedCredential> _byPublicKey = new(StringComparer.Ordinal);
    private readonly IChallengeCredentialSource[] _sources;

    // A stored credential's keys are derived once per instance the source hands out (it keeps an instance while unchanged).
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<ChallengeCredential, ServedCredential> _stored = [];

    public CredentialStore(IOptions<ChallengeServerOptions> options, IDataProtectionProvider dataProtection, IHostEnvironment environment, ILogger<CredentialStore> logger, IEnumerable<IChallengeCredentialSource>? sources = null)
    {
        _sources = sources?.ToArray() ?? [];
        ChallengeServerOptions o = options.Value;
        foreach (ChallengeCredential credential in o.Credentials)
        {
            Add(credential);
        }

        // Only in Development: elsewhere a missing key must stop the app (see ChallengeServerOptionsValidator), not be
        // silently replaced by a credential nobody configured.
        if (o.UseDevelopmentCredential && environment.IsDevelopment())
        {
            string path = o.DevelopmentCredentialPath ?? DefaultDevelopmentCredentialPath(environment);
            Development = Add(LoadOrCreate(path, dataProtection.CreateProtector(ProtectorPurpose), logger));
        }
    }

    internal static string DefaultDevelopmentCredentialPath(IHostEnvironment environment)
        => Path.Combine(environment.ContentRootPath, ".crafy", "dev-credential.json");

    /// <summary>The development credential, when enabled.</summary>
    public ServedCredential? Development { get; }

    /// <summary>The credential named by <paramref name="publicToken"/>: a configured one first, then the stored ones.</summary>
    public ServedCredential? FindByPublicToken(string? publicToken) => Find(_byPublicToken, publicToken, static (source, token) => source.FindByPublicToken(token));

    /// <summary>The credential named by <paramref name="publicKey"/>: a configured one first, then the stored ones.</summary>
    public ServedCredential? FindByPublicKey(string? publicKey) => Find(_byPublicKey, publicKey, static (source, key) => source.FindByPublicKey(key));

    private ServedCredential? Find(Dictionary<string, ServedCredential> configured, string? name, Func<IChallengeCredentialSource, string, ChallengeCredential?> stored)
    {
        if (name is null)
        {
            return null;
        }

        if (configured.TryGetValue(name, out ServedCredential? c))
        {
            return c;
        }

        foreach (IChallengeCredentialSource source in _sources)
        {
            if (stored(source, name) is { } found)
            {
                return _stored.GetValue(found, static credential => new ServedCredential(credential));
            }
        }

        return null;
    }

    private ServedCredential Add(ChallengeCredential credential)
    {
        var served = new ServedCredential(credential);
        _byPublicToken[credential.PublicToken] = served;
        _byPublicKey[credential.PublicKey] = served;
        return served;
    }

    /// <summary>A new development credential (see <see cref="CredentialGenerator"/>): Scale plan, <c>pt_dev_</c> token.</summary>
    internal static ChallengeCredential NewCredential() => CredentialGenerator.Create("scale", "pt_dev_");

    private static ChallengeCredential LoadOrCreate(string path, IDataProtector protector, ILogger logger)
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
            catch (CryptographicException)
            {
                Log.DevelopmentCredentialReplaced(logger, path, "its secrets were protected with Data Protection keys this app no longer has");
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or FormatException or ArgumentNullException)
            {
                Log.DevelopmentCredentialReplaced(logger, path, "the file is not a valid credential");
            }
        }

        ChallengeCredential created = NewCredential();
        var record = new StoredCredential(created.PublicKey, created.PublicToken, created.Plan, protector.Protect(created.SecretKey), protector.Protect(created.SigningPrivateKey));
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, JsonSerializer.Serialize(record, StoredCredentialJson.Default.StoredCredential));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new InvalidOperationException(
                $"The CrafyCaptcha challenge engine could not write its development credential to '{path}' ({ex.Message}). "
                + "Make that folder writable, point CrafyChallengeServer:DevelopmentCredentialPath at a writable file, "
                + "or configure real keys (CrafyCaptcha:PublicKey, CrafyCaptcha:SecretKey and the engine's CrafyChallengeServer:Credentials) and set CrafyChallengeServer:UseDevelopmentCredential to false.",
                ex);
        }

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
