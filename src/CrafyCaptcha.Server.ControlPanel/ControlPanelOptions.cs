using Microsoft.AspNetCore.DataProtection;

namespace CrafyCaptcha.Server.ControlPanel;

/// <summary>The database a control panel keeps its credentials and usage in.</summary>
public enum ControlPanelDatabase
{
    /// <summary>A SQLite file (the default), created on first run: one instance.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database, shared by several instances of the engine.</summary>
    PostgreSql,
}

/// <summary>
/// The control panel's options (configuration section <c>CrafyChallengeServer:ControlPanel</c>): where the credentials
/// live, who may open the admin pages, how often each instance re-reads the database, the rotation grace period.
/// </summary>
public sealed class ControlPanelOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "CrafyChallengeServer:ControlPanel";

    /// <summary>The database provider: <see cref="ControlPanelDatabase.Sqlite"/> (default) or <see cref="ControlPanelDatabase.PostgreSql"/>.</summary>
    public ControlPanelDatabase Database { get; set; } = ControlPanelDatabase.Sqlite;

    /// <summary>
    /// The connection string. Default for SQLite: <c>Data Source={content root}/.crafy/control-panel.db</c> (the file and
    /// its folder are created on first run). Required for PostgreSQL (a database of its own: the schema is created
    /// when it has no tables).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The name of the host's authorization policy the admin pages require. No policy, no pages:
    /// <c>MapCrafyControlPanel</c> refuses to map without one.
    /// </summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>
    /// How often each instance re-reads the stored credentials (default 10 seconds, at least 1 second). A change made on
    /// this instance takes effect at once; on the other instances within this delay.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a rotated credential keeps working beside its successor (default 24 hours).</summary>
    public TimeSpan RotationGracePeriod { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Adjusts the panel's own Data Protection (application name <c>CrafyCaptcha.Server.ControlPanel</c>, keys kept in
    /// the same database so every instance and the <c>crafy</c> CLI can read the secrets), e.g. to encrypt its key ring
    /// with <c>ProtectKeysWithCertificate</c>.
    /// </summary>
    public Action<IDataProtectionBuilder>? ConfigureDataProtection { get; set; }
}
