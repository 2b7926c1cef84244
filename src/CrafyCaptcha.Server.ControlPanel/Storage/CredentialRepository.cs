using Microsoft.AspNetCore.DataProtection;
using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace CrafyCaptcha.Server.ControlPanel.Storage;

/// <summary>What the panel shows of a credential: never a secret.</summary>
/// <param name="PublicKey">The public key (<c>pk_…</c>).</param>
/// <param name="PublicToken">The public token the widget's iframe is opened with (<c>pt_…</c>).</param>
/// <param name="Name">The name for people.</param>
/// <param name="Plan"><c>starter</c>, <c>growth</c> or <c>scale</c>.</param>
/// <param name="Domains">The host names allowed to embed the challenge.</param>
/// <param name="SigningPublicKey">The base64 Ed25519 public key the widget checks messages with.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="DisabledAt">When it was disabled, if it was.</param>
/// <param name="RetiresAt">When a rotated credential stops working, if it was rotated.</param>
/// <param name="ReplacedBy">The public key of its replacement, if it was rotated.</param>
public sealed record CredentialSummary(
    string PublicKey,
    string PublicToken,
    string Name,
    string Plan,
    IReadOnlyList<string> Domains,
    string SigningPublicKey,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DisabledAt,
    DateTimeOffset? RetiresAt,
    string? ReplacedBy)
{
    /// <summary>"active", "retiring" (rotated, in its grace period), "retired" or "disabled".</summary>
    /// <param name="now">The time to judge at.</param>
    /// <returns>The status word.</returns>
    public string StatusAt(DateTimeOffset now)
        => DisabledAt is not null ? "disabled"
            : RetiresAt is { } r ? (r <= now ? "retired" : "retiring")
            : "active";
}

/// <summary>A credential just created: the only time its secrets leave the database.</summary>
/// <param name="Credential">The keys, public token, plan and domains, secrets included.</param>
/// <param name="Name">The name for people.</param>
/// <param name="SigningPublicKey">The base64 Ed25519 public key for the site's configuration.</param>
public sealed record CreatedCredential(ChallengeCredential Credential, string Name, string SigningPublicKey);

/// <summary>The outcome of an operation on a stored credential that may be refused.</summary>
public enum CredentialChange
{
    /// <summary>Done.</summary>
    Done,

    /// <summary>No credential has that public key.</summary>
    NotFound,

    /// <summary>The plan is not starter, growth or scale.</summary>
    InvalidPlan,

    /// <summary>A domain is not a host name.</summary>
    InvalidDomain,

    /// <summary>The credential is disabled or retired.</summary>
    NotActive,
}

/// <summary>Usage of one credential on one UTC day.</summary>
/// <param name="Day">The day, <c>yyyy-MM-dd</c>.</param>
/// <param name="Flows">Challenges opened.</param>
/// <param name="Passes">Tokens issued.</param>
/// <param name="Refusals">Challenges refused.</param>
/// <param name="Escalations">Flows that asked more than the invisible pass.</param>
/// <param name="RiskHistogram">Flows per risk-score fifth: 0–0.2, 0.2–0.4, 0.4–0.6, 0.6–0.8, 0.8–1.</param>
public sealed record DailyUsage(string Day, long Flows, long Passes, long Refusals, long Escalations, long[] RiskHistogram);

/// <summary>
/// The panel's operations on the stored credentials (pages and CLI alike): create, list, domains, plan, rotate,
/// disable, usage. Secrets are protected before they are written and shown once, in the <see cref="CreatedCredential"/>.
/// </summary>
internal sealed class CredentialRepository(ControlPanelDatabaseServices database, TimeProvider time)
{
    public ControlPanelDatabaseServices Database => database;

    public async Task<(CredentialChange Result, CreatedCredential? Created)> CreateAsync(string? name, string plan, IEnumerable<string> domains, CancellationToken cancellationToken = default)
    {
        if (CredentialGenerator.PlanName(plan) is not { } planName)
        {
            return (CredentialChange.InvalidPlan, null);
        }

        if (NormaliseDomains(domains) is not { } normalised)
        {
            return (CredentialChange.InvalidDomain, null);
        }

        CreatedCredential created = New(name, planName, normalised);
        await using ControlPanelDbContext db = await database.Contexts.CreateDbContextAsync(cancellationToken);
        db.Credentials.Add(RowOf(created, normalised));
        await db.SaveChangesAsync(cancellationToken);
        return (CredentialChange.Done, created);
    }

    public async Task<IReadOnlyList<CredentialSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using ControlPanelDbContext db = await database.Contexts.CreateDbContextAsync(cancellationToken);
        List<CredentialRow> rows = await db.Credentials.AsNoTracking().OrderBy(c => c.CreatedAt).ThenBy(c => c.PublicKey).ToListAsync(cancellationToken);
        return [.. rows.Select(SummaryOf)];
    }

    public async Task<CredentialSummary?> FindAsync(string publicKey, CancellationToken cancellationToken = default)
    {
        await using ControlPanelDbContext db = await database.Contexts.CreateDbContextAsync(cancellationToken);
        CredentialRow? row = await db.Credentials.AsNoTracking().SingleOrDefaultAsync(c => c.PublicKey == publicKey, cancellationToken);
        return row is null ? null : SummaryOf(row);
    }

    public Task<CredentialChange> SetDomainsAsync(string publicKey, IEnumerable<string> domains, CancellationToken cancellationToken = default)
        => NormaliseDomains(domains) is not { } normalised
            ? Task.FromResult(CredentialChange.InvalidDomain)
            : ChangeAsync(publicKey, row => row.Domains = string.Join('\n', normalised), cancellationToken);

    /// <summary>Changes the plan and issues a new Public Token; bearers issued before keep their old limits until re-authentication.</summary>
    public Task<CredentialChange> SetPlanAsync(string publicKey, string plan, CancellationToken cancellationToken = default)
        => CredentialGenerator.PlanName(plan) is not { } planName
            ? Task.FromResult(CredentialChange.InvalidPlan)
            : ChangeAsync(publicKey, row =>
            {
                row.Plan = planName;
                row.PublicToken = CredentialGenerator.NewPublicToken();
            }, cancellationToken);

    public Task<CredentialChange> DisableAsync(string publicKey, CancellationToken cancellationToken = default)
        => ChangeAsync(publicKey, row => row.DisabledAt ??= time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken, requireActive: false);

    /// <summary>
    /// A new credential beside the old one (same name, plan and domains); the old one keeps working for
    /// <paramref name="gracePeriod"/>, then stops being served.
    /// </summary>
    public async Task<(CredentialChange Result, CreatedCredential? Created)> RotateAsync(string publicKey, TimeSpan gracePeriod, CancellationToken cancellationToken = default)
    {
        await using ControlPanelDbContext db = await database.Contexts.CreateDbContextAsync(cancellationToken);
        CredentialRow? old = await db.Credentials.SingleOrDefaultAsync(c => c.PublicKey == publicKey, cancellationToken);
        if (old is null)
        {
            return (CredentialChange.NotFound, null);
        }

        if (old.DisabledAt is not null || old.RetiresAt is not null)
        {
            return (CredentialChange.NotActive, null);
        }

        string[] domains = DomainsOf(old);
        CreatedCredential created = New(old.Name, old.Plan, domains);
        old.RetiresAt = time.GetUtcNow().Add(gracePeriod).ToUnixTimeMilliseconds();
        old.ReplacedBy = created.Credential.PublicKey;
        old.Version++;
        db.Credentials.Add(RowOf(created, domains));
        await db.SaveChangesAsync(cancellationToken);
        return (CredentialChange.Done, created);
    }

    public async Task<IReadOnlyList<DailyUsage>> UsageAsync(string publicKey, int days, CancellationToken cancellationToken = default)
    {
        string since = time.GetUtcNow().UtcDateTime.Date.AddDays(1 - Math.Max(1, days)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await using ControlPanelDbContext db = await database.Contexts.CreateDbContextAsync(cancellationToken);
        List<UsageRow> rows = await db.Usage.AsNoTracking()
            .Where(u => u.PublicKey == publicKey && string.Compare(u.Day, since) >= 0)
            .OrderBy(u => u.Day)
            .ToListAsync(cancellationToken);
        return [.. rows.Select(u => new DailyUsage(u.Day, u.Flows, u.Passes, u.Refusals, u.Escalations, [u.Risk0, u.Risk1, u.Risk2, u.Risk3, u.Risk4]))];
    }

    /// <summary>The rows the engine may serve now (not disabled, not retired), with their secrets readable.</summary>
    internal async Task<List<CredentialRow>> ServableAsync(CancellationToken cancellationToken)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using ControlPanelDbContext db = await database.Contexts.CreateDbContextAsync(cancellationToken);
        return await db.Credentials.AsNoTracking().Where(c => c.DisabledAt == null && (c.RetiresAt == null || c.RetiresAt > now)).ToListAsync(cancellationToken);
    }

    internal ChallengeCredential Unprotect(CredentialRow row)
    {
        var credential = new ChallengeCredential
        {
            PublicKey = row.PublicKey,
            PublicToken = row.PublicToken,
            Plan = row.Plan,
            SecretKey = database.Protector.Unprotect(row.ProtectedSecretKey),
            SigningPrivateKey = database.Protector.Unprotect(row.ProtectedSigningPrivateKey),
        };
        foreach (string domain in DomainsOf(row))
        {
            credential.Domains.Add(domain);
        }

        return credential;
    }

    /// <summary>Lowercase punycode host names, without duplicates; <see langword="null"/> when one is not a host name.</summary>
    internal static string[]? NormaliseDomains(IEnumerable<string> domains)
    {
        var result = new List<string>();
        foreach (string domain in domains.SelectMany(d => d.Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)))
        {
            if (CredentialGenerator.DomainName(domain) is not { } ascii || ascii.Contains(':', StringComparison.Ordinal) || ascii.Contains('/', StringComparison.Ordinal))
            {
                return null;
            }

            if (!result.Contains(ascii))
            {
                result.Add(ascii);
            }
        }

        return [.. result];
    }

    private async Task<CredentialChange> ChangeAsync(string publicKey, Action<CredentialRow> change, CancellationToken cancellationToken, bool requireActive = true)
    {
        await using ControlPanelDbContext db = await database.Contexts.CreateDbContextAsync(cancellationToken);
        CredentialRow? row = await db.Credentials.SingleOrDefaultAsync(c => c.PublicKey == publicKey, cancellationToken);
        if (row is null)
        {
            return CredentialChange.NotFound;
        }

        if (requireActive && row.DisabledAt is not null)
        {
            return CredentialChange.NotActive;
        }

        change(row);
        row.Version++;
        await db.SaveChangesAsync(cancellationToken);
        return CredentialChange.Done;
    }

    private CreatedCredential New(string? name, string plan, string[] domains)
    {
        ChallengeCredential credential = CredentialGenerator.Create(plan);
        foreach (string domain in domains)
        {
            credential.Domains.Add(domain);
        }

        string label = string.IsNullOrWhiteSpace(name) ? credential.PublicKey : name.Trim();
        return new CreatedCredential(credential, label.Length > 200 ? label[..200] : label, CredentialGenerator.SigningPublicKeyOf(credential.SigningPrivateKey));
    }

    private CredentialRow RowOf(CreatedCredential created, string[] domains) => new()
    {
        PublicKey = created.Credential.PublicKey,
        PublicToken = created.Credential.PublicToken,
        Name = created.Name,
        Plan = created.Credential.Plan,
        Domains = string.Join('\n', domains),
        SigningPublicKey = created.SigningPublicKey,
        ProtectedSecretKey = database.Protector.Protect(created.Credential.SecretKey),
        ProtectedSigningPrivateKey = database.Protector.Protect(created.Credential.SigningPrivateKey),
        CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
    };

    private static string[] DomainsOf(CredentialRow row) => row.Domains.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static CredentialSummary SummaryOf(CredentialRow row) => new(
        row.PublicKey,
        row.PublicToken,
        row.Name,
        row.Plan,
        DomainsOf(row),
        row.SigningPublicKey,
        DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt),
        row.DisabledAt is { } d ? DateTimeOffset.FromUnixTimeMilliseconds(d) : null,
        row.RetiresAt is { } r ? DateTimeOffset.FromUnixTimeMilliseconds(r) : null,
        row.ReplacedBy);
}
