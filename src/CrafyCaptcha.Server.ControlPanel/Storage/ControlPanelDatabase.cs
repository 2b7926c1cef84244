using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.Server.ControlPanel.Storage;

/// <summary>
/// The panel's database and its own Data Protection (keys in the same database, fixed application name), in a small
/// container of their own so the host's Data Protection and DbContexts are left alone, and so the engine and the
/// <c>crafy</c> CLI open the same database the same way.
/// </summary>
internal sealed class ControlPanelDatabaseServices : IDisposable, IAsyncDisposable
{
    public const string ApplicationName = "CrafyCaptcha.Server.ControlPanel";
    private const string ProtectorPurpose = "CrafyCaptcha.Server.ControlPanel.Credentials.v1";
    private readonly ServiceProvider _services;

    public ControlPanelDatabaseServices(ControlPanelDatabase database, string connectionString, Action<IDataProtectionBuilder>? configureDataProtection = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Database = database;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContextFactory<ControlPanelDbContext>(o => _ = database == ControlPanelDatabase.PostgreSql
            ? o.UseNpgsql(connectionString)
            : o.UseSqlite(connectionString));
        IDataProtectionBuilder dataProtection = services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<ControlPanelDbContext>();
        configureDataProtection?.Invoke(dataProtection);
        _services = services.BuildServiceProvider();
        Protector = _services.GetRequiredService<IDataProtectionProvider>().CreateProtector(ProtectorPurpose);
        Contexts = _services.GetRequiredService<IDbContextFactory<ControlPanelDbContext>>();
        if (database == ControlPanelDatabase.Sqlite)
        {
            CreateSqliteFolder(connectionString);
        }
    }

    public ControlPanelDatabase Database { get; }

    public IDataProtector Protector { get; }

    public IDbContextFactory<ControlPanelDbContext> Contexts { get; }

    /// <summary>Creates the schema when the database has none (SQLite: the file too).</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await using ControlPanelDbContext db = await Contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.EnsureCreatedAsync(cancellationToken);
    }

    /// <summary>
    /// Parses the CLI's <c>--database</c> value: <c>sqlite:&lt;file or connection string&gt;</c> or
    /// <c>postgresql:&lt;connection string&gt;</c>; <see langword="null"/> when neither.
    /// </summary>
    public static (ControlPanelDatabase Database, string ConnectionString)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == value.Length - 1)
        {
            return null;
        }

        string provider = value[..colon];
        string rest = value[(colon + 1)..];
        if (provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return (ControlPanelDatabase.Sqlite, rest.Contains('=', StringComparison.Ordinal) ? rest : "Data Source=" + rest);
        }

        return provider.Equals("postgresql", StringComparison.OrdinalIgnoreCase) || provider.Equals("postgres", StringComparison.OrdinalIgnoreCase)
            ? (ControlPanelDatabase.PostgreSql, rest)
            : null;
    }

    private static void CreateSqliteFolder(string connectionString)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(file)) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }
    }

    public void Dispose() => _services.Dispose();

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
