using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.ControlPanel.Storage;

/// <summary>
/// The stored credentials as the engine sees them: an in-memory copy of the servable rows, read at start-up (the
/// schema is created then), re-read every <see cref="ControlPanelOptions.RefreshInterval"/> and at once after a change
/// made on this instance. Lookups never touch the database; a rotated credential stops at its retirement time exactly.
/// </summary>
internal sealed partial class StoredCredentialSource(
    CredentialRepository repository,
    IOptions<ControlPanelOptions> options,
    TimeProvider time,
    ILogger<StoredCredentialSource> logger) : BackgroundService, IChallengeCredentialSource
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Snapshot _snapshot = Snapshot.Empty;

    public ChallengeCredential? FindByPublicToken(string publicToken)
        => _snapshot.ByPublicToken.TryGetValue(publicToken, out Entry? e) && e.ServedAt(time) ? e.Served : null;

    public ChallengeCredential? FindByPublicKey(string publicKey)
        => _snapshot.ByPublicKey.TryGetValue(publicKey, out Entry? e) && e.ServedAt(time) ? e.Served : null;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await repository.Database.EnsureCreatedAsync(cancellationToken);
        await RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRefreshFailed(logger, ex.GetType().Name);
            }
        }
    }

    /// <summary>Re-reads the servable credentials; unchanged ones keep their derived keys.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            List<CredentialRow> rows = await repository.ServableAsync(cancellationToken);
            Snapshot old = _snapshot;
            var byKey = new Dictionary<string, Entry>(StringComparer.Ordinal);
            var byToken = new Dictionary<string, Entry>(StringComparer.Ordinal);
            foreach (CredentialRow row in rows)
            {
                Entry? entry = old.ByPublicKey.TryGetValue(row.PublicKey, out Entry? kept) && kept.Version == row.Version ? kept : Build(row);
                if (entry is null)
                {
                    continue;
                }

                byKey[row.PublicKey] = entry;
                byToken[row.PublicToken] = entry;
            }

            // Replaced entries are not disposed: a request in flight may still hold one; their keys are freed when collected.
            _snapshot = new Snapshot(byKey, byToken);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private Entry? Build(CredentialRow row)
    {
        try
        {
            return new Entry(repository.Unprotect(row), row.Version, row.RetiresAt is { } r ? DateTimeOffset.FromUnixTimeMilliseconds(r) : null);
        }
        catch (CryptographicException)
        {
            LogUnreadable(logger, row.PublicKey);
            return null;
        }
    }

    public override void Dispose()
    {
        _refreshing.Dispose();
        base.Dispose();
    }

    [LoggerMessage(301, LogLevel.Warning, "The control panel could not re-read its credentials ({Error}); the engine keeps serving the last copy.", EventName = "ControlPanelRefreshFailed")]
    private static partial void LogRefreshFailed(ILogger logger, string error);

    [LoggerMessage(302, LogLevel.Error,
        "The stored credential {PublicKey} cannot be read: its secrets were protected with Data Protection keys the panel no longer has (the crafy_data_protection_keys table was emptied, or ConfigureDataProtection changed). It is not served.",
        EventName = "ControlPanelCredentialUnreadable")]
    private static partial void LogUnreadable(ILogger logger, string publicKey);

    private sealed record Entry(ChallengeCredential Served, int Version, DateTimeOffset? RetiresAt)
    {
        public bool ServedAt(TimeProvider time) => RetiresAt is not { } r || time.GetUtcNow() < r;
    }

    private sealed record Snapshot(Dictionary<string, Entry> ByPublicKey, Dictionary<string, Entry> ByPublicToken)
    {
        public static readonly Snapshot Empty = new(new(StringComparer.Ordinal), new(StringComparer.Ordinal));
    }
}
