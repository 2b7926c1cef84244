using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace CrafyCaptcha.Server.ControlPanel.Storage;

/// <summary>The panel's tables: credentials, usage per credential and day, and the panel's Data Protection keys.</summary>
internal sealed class ControlPanelDbContext(DbContextOptions<ControlPanelDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<CredentialRow> Credentials => Set<CredentialRow>();

    public DbSet<UsageRow> Usage => Set<UsageRow>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<CredentialRow>(e =>
        {
            e.ToTable("crafy_credentials");
            e.HasKey(c => c.PublicKey);
            e.HasIndex(c => c.PublicToken).IsUnique();
            e.Property(c => c.PublicKey).HasMaxLength(64);
            e.Property(c => c.PublicToken).HasMaxLength(64);
            e.Property(c => c.Plan).HasMaxLength(16);
            e.Property(c => c.Name).HasMaxLength(200);
            e.Property(c => c.Version).IsConcurrencyToken();
        });
        modelBuilder.Entity<UsageRow>(e =>
        {
            e.ToTable("crafy_usage");
            e.HasKey(u => new { u.PublicKey, u.Day });
            e.Property(u => u.PublicKey).HasMaxLength(64);
            e.Property(u => u.Day).HasMaxLength(10);
        });
        modelBuilder.Entity<DataProtectionKey>().ToTable("crafy_data_protection_keys");
    }
}

/// <summary>One stored credential. Times are Unix milliseconds (portable across SQLite and PostgreSQL).</summary>
internal sealed class CredentialRow
{
    public string PublicKey { get; set; } = string.Empty;

    public string PublicToken { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public string Plan { get; set; } = "starter";

    /// <summary>Lowercase punycode host names, one per line.</summary>
    public string Domains { get; set; } = string.Empty;

    public string SigningPublicKey { get; set; } = string.Empty;

    /// <summary>The Secret Key, protected with the panel's Data Protection.</summary>
    public string ProtectedSecretKey { get; set; } = string.Empty;

    /// <summary>The Ed25519 seed (base64), protected with the panel's Data Protection.</summary>
    public string ProtectedSigningPrivateKey { get; set; } = string.Empty;

    public long CreatedAt { get; set; }

    public long? DisabledAt { get; set; }

    /// <summary>When a rotated credential stops being served.</summary>
    public long? RetiresAt { get; set; }

    /// <summary>The credential that replaced this one at rotation.</summary>
    public string? ReplacedBy { get; set; }

    /// <summary>Incremented at every change (optimistic concurrency; the engine's cache rebuilds a changed credential).</summary>
    public int Version { get; set; }
}

/// <summary>Counters of one credential on one UTC day (<c>yyyy-MM-dd</c>).</summary>
internal sealed class UsageRow
{
    public string PublicKey { get; set; } = string.Empty;

    public string Day { get; set; } = string.Empty;

    public long Flows { get; set; }

    public long Passes { get; set; }

    public long Refusals { get; set; }

    public long Escalations { get; set; }

    /// <summary>Risk scores of started flows in [0, 0.2).</summary>
    public long Risk0 { get; set; }

    /// <summary>Risk in [0.2, 0.4).</summary>
    public long Risk1 { get; set; }

    /// <summary>Risk in [0.4, 0.6).</summary>
    public long Risk2 { get; set; }

    /// <summary>Risk in [0.6, 0.8).</summary>
    public long Risk3 { get; set; }

    /// <summary>Risk in [0.8, 1].</summary>
    public long Risk4 { get; set; }
}
