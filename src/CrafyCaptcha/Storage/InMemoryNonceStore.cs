using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Storage;

/// <summary>
/// The default <see cref="INonceStore"/> when the app's <c>IDistributedCache</c> is the in-process memory cache: a
/// concurrent dictionary whose <c>TryRemove</c> is the atomic consume (no lock, one hash lookup), each entry holding its
/// absolute expiry (checked against <see cref="TimeProvider"/> on every consume). Expired entries that were never used
/// are swept at most once a minute, on a thread-pool thread started by a store call (no timer).
/// </summary>
/// <remarks>
/// Memory stays bounded under a flood: at most <see cref="CrafyCaptchaOptions.MaxOutstandingFlows"/> nonces are
/// stored per flow lifetime (<see cref="OutstandingFlowLimiter"/>), and the sweep drops them once they expire.
/// Clearing replaces the dictionary, so it costs nothing and needs no enumeration.
/// </remarks>
internal sealed class InMemoryNonceStore : INonceStore
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private readonly TimeProvider _timeProvider;
    private readonly OutstandingFlowLimiter _limiter;
    private ConcurrentDictionary<string, Entry> _entries = NewDictionary();
    private long _nextSweepTicks;
    private int _sweeping;

    public InMemoryNonceStore(TimeProvider timeProvider, IOptions<CrafyCaptchaOptions> options)
    {
        _timeProvider = timeProvider;
        _limiter = new OutstandingFlowLimiter(options.Value.MaxOutstandingFlows, options.Value.FlowLifetime, timeProvider);
        _nextSweepTicks = timeProvider.GetUtcNow().UtcTicks + SweepInterval.Ticks;
    }

    /// <summary>How many nonces are held now, expired ones not yet swept included.</summary>
    internal int Count => Volatile.Read(ref _entries).Count;

    public ValueTask StoreAsync(string nonce, string? contextJson, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        if (!_limiter.TryAcquire())
        {
            throw new NonceStoreUnavailableException("The CrafyCaptcha nonce store refused a new flow: CrafyCaptcha:MaxOutstandingFlows flows were created within one flow lifetime.");
        }

        long now = _timeProvider.GetUtcNow().UtcTicks;
        Volatile.Read(ref _entries)[nonce] = new Entry(now + lifetime.Ticks, contextJson);
        if (now >= Volatile.Read(ref _nextSweepTicks) && Interlocked.CompareExchange(ref _sweeping, 1, 0) == 0)
        {
            Volatile.Write(ref _nextSweepTicks, now + SweepInterval.Ticks);
            ThreadPool.UnsafeQueueUserWorkItem(static store => store.Sweep(), this, preferLocal: false);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<NonceConsumption> TryConsumeAsync(string nonce, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        if (!Volatile.Read(ref _entries).TryRemove(nonce, out Entry? entry) || _timeProvider.GetUtcNow().UtcTicks > entry.ExpiresAtTicks)
        {
            return ValueTask.FromResult(NonceConsumption.NotFound);
        }

        return ValueTask.FromResult(new NonceConsumption(true, entry.ContextJson));
    }

    public ValueTask ClearAllNoncesAsync(CancellationToken cancellationToken = default)
    {
        Volatile.Write(ref _entries, NewDictionary());
        _limiter.Reset();
        return ValueTask.CompletedTask;
    }

    /// <summary>Drops the entries that expired unused (a consume removes the others). Runs on one thread at a time.</summary>
    internal void Sweep()
    {
        try
        {
            long now = _timeProvider.GetUtcNow().UtcTicks;
            ConcurrentDictionary<string, Entry> entries = Volatile.Read(ref _entries);
            foreach (KeyValuePair<string, Entry> pair in entries)
            {
                if (pair.Value.ExpiresAtTicks < now)
                {
                    entries.TryRemove(pair);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private static ConcurrentDictionary<string, Entry> NewDictionary() => new(StringComparer.Ordinal);

    private sealed record Entry(long ExpiresAtTicks, string? ContextJson);
}
