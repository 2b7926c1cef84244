using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.Server.ControlPanel.Storage;

/// <summary>
/// Counts the engine's usage events per credential and UTC day in memory (under a short lock) and adds them to the database in
/// the background every few seconds and at shutdown, as atomic increments (several instances may write the same row).
/// </summary>
internal sealed partial class UsageRecorder(ControlPanelDatabaseServices database, TimeProvider time, ILogger<UsageRecorder> logger) : BackgroundService, IChallengeUsageSink
{
    /// <summary>How often the counts are written.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);

    private const int Slots = 9; // flows, passes, refusals, escalations, 5 risk buckets
    private readonly Lock _gate = new();
    private ConcurrentDictionary<(string PublicKey, string Day), long[]> _pending = new();

    public void Record(string publicKey, ChallengeUsage usage, double riskScore)
    {
        string day = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        lock (_gate) // held for two increments; the flush only swaps the dictionary under it
        {
            long[] counts = _pending.GetOrAdd((publicKey, day), static _ => new long[Slots]);
            counts[(int)usage]++;
            if (usage == ChallengeUsage.Flow)
            {
                counts[4 + Math.Clamp((int)(riskScore * 5), 0, 4)]++;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: StopAsync flushes what is left
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(CancellationToken.None);
    }

    /// <summary>Writes the counts gathered so far; a failed write puts them back for the next flush.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        ConcurrentDictionary<(string PublicKey, string Day), long[]> batch;
        lock (_gate)
        {
            batch = _pending;
            _pending = new();
        }

        foreach (((string publicKey, string day), long[] counts) in batch)
        {
            try
            {
                await AddAsync(publicKey, day, counts, cancellationToken);
            }
            catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
            {
                LogFlushFailed(logger, ex.GetType().Name);
                lock (_gate)
                {
                    long[] back = _pending.GetOrAdd((publicKey, day), static _ => new long[Slots]);
                    for (int i = 0; i < Slots; i++)
                    {
                        back[i] += counts[i];
                    }
                }
            }
        }
    }

    private async Task AddAsync(string publicKey, string day, long[] c, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            await using ControlPanelDbContext db = await database.Contexts.CreateDbContextAsync(cancellationToken);
            int updated = await db.Usage.Where(u => u.PublicKey == publicKey && u.Day == day).ExecuteUpdateAsync(s => s
                .SetProperty(u => u.Flows, u => u.Flows + c[0])
                .SetProperty(u => u.Passes, u => u.Passes + c[1])
                .SetProperty(u => u.Refusals, u => u.Refusals + c[2])
                .SetProperty(u => u.Escalations, u => u.Escalations + c[3])
                .SetProperty(u => u.Risk0, u => u.Risk0 + c[4])
                .SetProperty(u => u.Risk1, u => u.Risk1 + c[5])
                .SetProperty(u => u.Risk2, u => u.Risk2 + c[6])
                .SetProperty(u => u.Risk3, u => u.Risk3 + c[7])
                .SetProperty(u => u.Risk4, u => u.Risk4 + c[8]), cancellationToken);
            if (updated > 0)
            {
                return;
            }

            db.Usage.Add(new UsageRow
            {
                PublicKey = publicKey,
                Day = day,
                Flows = c[0],
                Passes = c[1],
                Refusals = c[2],
                Escalations = c[3],
                Risk0 = c[4],
                Risk1 = c[5],
                Risk2 = c[6],
                Risk3 = c[7],
                Risk4 = c[8],
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // another instance inserted the row first: add to it
            }
        }
    }

    [LoggerMessage(303, LogLevel.Warning, "The control panel could not write usage counts ({Error}); they are kept for the next attempt.", EventName = "ControlPanelUsageFlushFailed")]
    private static partial void LogFlushFailed(ILogger logger, string error);
}
