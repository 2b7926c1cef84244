using CrafyCaptcha.Server.ControlPanel.Storage;

namespace CrafyCaptcha.Server.ControlPanel;

/// <summary>
/// The control panel's stored credentials for scripts and tools (the <c>crafy credentials</c> commands use it): the
/// admin pages' operations on the same database, opened the same way (its own Data Protection keys, in the database).
/// Secrets leave the database once, in the <see cref="CreatedCredential"/> of <see cref="CreateAsync"/> and
/// <see cref="RotateAsync"/>. A running engine sees a change at its next refresh (<see cref="ControlPanelOptions.RefreshInterval"/>).
/// </summary>
/// <example>
/// <code>
/// await using ControlPanelCredentialStore store = await ControlPanelCredentialStore.OpenAsync("sqlite:/var/lib/crafy/panel.db");
/// (CredentialChange result, CreatedCredential? created) = await store.CreateAsync("shop", "starter", ["shop.example.com"]);
/// </code>
/// </example>
public sealed class ControlPanelCredentialStore : IAsyncDisposable
{
    private readonly ControlPanelDatabaseServices _database;
    private readonly CredentialRepository _repository;

    private ControlPanelCredentialStore(ControlPanelDatabaseServices database, TimeProvider timeProvider)
    {
        _database = database;
        _repository = new CredentialRepository(database, timeProvider);
    }

    /// <summary>
    /// Opens the database named by <paramref name="database"/> (<c>sqlite:&lt;file or connection string&gt;</c> or
    /// <c>postgresql:&lt;connection string&gt;</c>, as <c>--database</c> and <c>CRAFY_DATABASE</c>) and creates its schema
    /// when it has none.
    /// </summary>
    /// <param name="database">Where the panel's credentials are.</param>
    /// <param name="timeProvider">The clock for creation, rotation and retirement times (default: the system's).</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The store; dispose it when done.</returns>
    /// <exception cref="ArgumentException"><paramref name="database"/> is neither form.</exception>
    public static async Task<ControlPanelCredentialStore> OpenAsync(string database, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        if (ControlPanelDatabaseServices.Parse(database) is not { } parsed)
        {
            throw new ArgumentException("The control panel's database must be sqlite:<file> or postgresql:<connection string>.", nameof(database));
        }

        var services = new ControlPanelDatabaseServices(parsed.Database, parsed.ConnectionString);
        try
        {
            await services.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await services.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new ControlPanelCredentialStore(services, timeProvider ?? TimeProvider.System);
    }

    /// <summary>Creates a credential with a new key set and public token.</summary>
    /// <param name="name">A name for people (default: the public key).</param>
    /// <param name="plan"><c>starter</c>, <c>growth</c> or <c>scale</c>.</param>
    /// <param name="domains">Host names allowed to embed the challenge (<c>localhost</c> always is).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see cref="CredentialChange.Done"/> and the credential with its secrets (shown this once), or why not.</returns>
    public Task<(CredentialChange Result, CreatedCredential? Created)> CreateAsync(string? name, string plan, IEnumerable<string> domains, CancellationToken cancellationToken = default)
        => _repository.CreateAsync(name, plan, domains, cancellationToken);

    /// <summary>Every stored credential, without secrets.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The credentials, oldest first.</returns>
    public Task<IReadOnlyList<CredentialSummary>> ListAsync(CancellationToken cancellationToken = default) => _repository.ListAsync(cancellationToken);

    /// <summary>One credential, without secrets.</summary>
    /// <param name="publicKey">Its public key (<c>pk_…</c>).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The credential, or <see langword="null"/> when there is none with that key.</returns>
    public Task<CredentialSummary?> FindAsync(string publicKey, CancellationToken cancellationToken = default) => _repository.FindAsync(publicKey, cancellationToken);

    /// <summary>Replaces the credential's allowed domains (none: <c>localhost</c> only).</summary>
    /// <param name="publicKey">Its public key.</param>
    /// <param name="domains">The host names.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The outcome.</returns>
    public Task<CredentialChange> SetDomainsAsync(string publicKey, IEnumerable<string> domains, CancellationToken cancellationToken = default)
        => _repository.SetDomainsAsync(publicKey, domains, cancellationToken);

    /// <summary>Changes the plan; a new public token is issued.</summary>
    /// <param name="publicKey">Its public key.</param>
    /// <param name="plan"><c>starter</c>, <c>growth</c> or <c>scale</c>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The outcome.</returns>
    public Task<CredentialChange> SetPlanAsync(string publicKey, string plan, CancellationToken cancellationToken = default)
        => _repository.SetPlanAsync(publicKey, plan, cancellationToken);

    /// <summary>Creates a new credential beside this one (same name, plan, domains); the old one retires after <paramref name="gracePeriod"/>.</summary>
    /// <param name="publicKey">The credential to replace.</param>
    /// <param name="gracePeriod">How long the old credential keeps working.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see cref="CredentialChange.Done"/> and the new credential with its secrets, or why not.</returns>
    public Task<(CredentialChange Result, CreatedCredential? Created)> RotateAsync(string publicKey, TimeSpan gracePeriod, CancellationToken cancellationToken = default)
        => _repository.RotateAsync(publicKey, gracePeriod, cancellationToken);

    /// <summary>Stops serving the credential.</summary>
    /// <param name="publicKey">Its public key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The outcome.</returns>
    public Task<CredentialChange> DisableAsync(string publicKey, CancellationToken cancellationToken = default) => _repository.DisableAsync(publicKey, cancellationToken);

    /// <summary>The credential's usage per UTC day.</summary>
    /// <param name="publicKey">Its public key.</param>
    /// <param name="days">How many days back.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One row per day with usage, oldest first.</returns>
    public Task<IReadOnlyList<DailyUsage>> UsageAsync(string publicKey, int days, CancellationToken cancellationToken = default)
        => _repository.UsageAsync(publicKey, days, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
