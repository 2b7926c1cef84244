using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.State;

/// <summary>
/// The default <see cref="IChallengeStateStore"/>: one process's memory, bounded by
/// <see cref="ChallengeStateOptions.MaxEntries"/>.
/// </summary>
/// <remarks>
/// <para>
/// One lock guards a dictionary and an intrusive least-recently-used list, so every operation is atomic (and the bound
/// exact); each is O(1) under the lock. Expiry is by <see cref="TimeProvider.GetTimestamp"/> (monotonic): an expired
/// entry is dropped when it is touched, and every insert also walks two entries of a cursor that cycles through the
/// list and drops the expired ones it meets, so expired entries never pile up and no timer runs.
/// </para>
/// <para>
/// A full store drops the least recently used entry to make room for a new one: the newest writes always succeed.
/// A flood's own flows are the first to go, while the velocity counters it keeps incrementing stay (so a flood
/// cannot reset its own rate limit by filling the store), and so do entries written or read recently.
/// </para>
/// </remarks>
internal sealed partial class InMemoryChallengeStateStore : IChallengeStateStore
{
    private const int SweepStepsPerInsert = 2;
    private static readonly TimeSpan EvictionReportInterval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<InMemoryChallengeStateStore> _logger;
    private readonly int _maxEntries;
    private Entry? _leastRecent;
    private Entry? _mostRecent;
    private Entry? _sweepCursor;
    private long _evictedSinceReport;
    private long _lastReport = long.MinValue;

    public InMemoryChallengeStateStore(IOptions<ChallengeStateOptions> options, TimeProvider timeProvider, ILogger<InMemoryChallengeStateStore> logger)
    {
        _maxEntries = options.Value.MaxEntries;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The number of entries held, expired ones not yet dropped included (for tests).</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        Check(key, timeToLive, cancellationToken);
        byte[] copy = value.ToArray();
        long evicted;
        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            long expiresAt = ExpiresAt(now, timeToLive);
            if (Find(key, now) is { } entry)
            {
                entry.Value = copy;
                entry.Count = 0;
                entry.ExpiresAt = expiresAt;
                Touch(entry);
                return ValueTask.CompletedTask;
            }

            evicted = Insert(new Entry(key) { Value = copy, ExpiresAt = expiresAt }, now);
        }

        ReportEviction(evicted);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        Check(key, timeToLive, cancellationToken);
        byte[] copy = value.ToArray();
        long evicted;
        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            if (Find(key, now) is { } entry)
            {
                Touch(entry);
                return ValueTask.FromResult(false);
            }

            evicted = Insert(new Entry(key) { Value = copy, ExpiresAt = ExpiresAt(now, timeToLive) }, now);
        }

        ReportEviction(evicted);
        return ValueTask.FromResult(true);
    }

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        lock (_lock)
        {
            if (Find(key, _timeProvider.GetTimestamp()) is not { } entry)
            {
                return ValueTask.FromResult<byte[]?>(null);
            }

            Touch(entry);
            return ValueTask.FromResult<byte[]?>((byte[])ValueOf(entry).Clone());
        }
    }

    public ValueTask<byte[]?> TakeAsync(string key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        lock (_lock)
        {
            if (Find(key, _timeProvider.GetTimestamp()) is not { } entry)
            {
                return ValueTask.FromResult<byte[]?>(null);
            }

            byte[] value = ValueOf(entry);
            Remove(entry);
            return ValueTask.FromResult<byte[]?>(value);
        }
    }

    public ValueTask<long> IncrementAsync(string key, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        Check(key, timeToLive, cancellationToken);
        long evicted;
        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            if (Find(key, now) is { } entry)
            {
                ThrowIfValue(entry);
                Touch(entry);
                return ValueTask.FromResult(++entry.Count);
            }

            evicted = Insert(new Entry(key) { Count = 1, ExpiresAt = ExpiresAt(now, timeToLive) }, now);
        }

        ReportEviction(evicted);
        return ValueTask.FromResult(1L);
    }

    public ValueTask<long> GetCountAsync(string key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        lock (_lock)
        {
            if (Find(key, _timeProvider.GetTimestamp()) is not { } entry)
            {
                return ValueTask.FromResult(0L);
            }

            ThrowIfValue(entry);
            Touch(entry);
            return ValueTask.FromResult(entry.Count);
        }
    }

    private static void Check(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static void Check(string key, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        Check(key, cancellationToken);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
    }

    private long ExpiresAt(long now, TimeSpan timeToLive)
    {
        double ticks = timeToLive.TotalSeconds * _timeProvider.TimestampFrequency;
        return ticks >= long.MaxValue - (double)now ? long.MaxValue : now + (long)Math.Ceiling(ticks);
    }

    private static byte[] ValueOf(Entry entry)
        => entry.Value ?? throw new InvalidOperationException($"The engine state key '{entry.Key}' holds a counter, not a value.");

    private static void ThrowIfValue(Entry entry)
    {
        if (entry.Value is not null)
        {
            throw new InvalidOperationException($"The engine state key '{entry.Key}' holds a value, not a counter.");
        }
    }

    /// <summary>The live entry for <paramref name="key"/>; an expired one is dropped on the way.</summary>
    private Entry? Find(string key, long now)
    {
        if (!_entries.TryGetValue(key, out Entry? entry))
        {
            return null;
        }

        if (entry.ExpiresAt <= now)
        {
            Remove(entry);
            return null;
        }

        return entry;
    }

    /// <summary>Adds a new entry as the most recent, first dropping the least recent one if the store is full.</summary>
    /// <returns>How many entries were dropped to make room (0 or 1).</returns>
    private long Insert(Entry entry, long now)
    {
        Sweep(now);
        long evicted = 0;
        if (_entries.Count >= _maxEntries && _leastRecent is { } victim)
        {
            Remove(victim);
            evicted = 1;
        }

        _entries.Add(entry.Key, entry);
        Append(entry);
        return evicted;
    }

    /// <summary>Walks a few entries of the cycling cursor and drops the expired ones: amortised expiry with no timer.</summary>
    private void Sweep(long now)
    {
        for (int i = 0; i < SweepStepsPerInsert; i++)
        {
            Entry? entry = _sweepCursor ?? _leastRecent;
            if (entry is null)
            {
                return;
            }

            _sweepCursor = entry.Next;
            if (entry.ExpiresAt <= now)
            {
                Remove(entry);
            }
        }
    }

    private void Touch(Entry entry)
    {
        if (ReferenceEquals(entry, _mostRecent))
        {
            return;
        }

        Unlink(entry);
        Append(entry);
    }

    private void Remove(Entry entry)
    {
        Unlink(entry);
        _entries.Remove(entry.Key);
    }

    private void Append(Entry entry)
    {
        entry.Previous = _mostRecent;
        entry.Next = null;
        if (_mostRecent is null)
        {
            _leastRecent = entry;
        }
        else
        {
            _mostRecent.Next = entry;
        }

        _mostRecent = entry;
    }

    private void Unlink(Entry entry)
    {
        if (ReferenceEquals(_sweepCursor, entry))
        {
            _sweepCursor = entry.Next;
        }

        if (entry.Previous is null)
        {
            _leastRecent = entry.Next;
        }
        else
        {
            entry.Previous.Next = entry.Next;
        }

        if (entry.Next is null)
        {
            _mostRecent = entry.Previous;
        }
        else
        {
            entry.Next.Previous = entry.Previous;
        }

        entry.Previous = null;
        entry.Next = null;
    }

    /// <summary>Logs that the store is full at most once a minute, with how many entries were dropped since.</summary>
    private void ReportEviction(long evicted)
    {
        if (evicted == 0)
        {
            return;
        }

        long now = _timeProvider.GetTimestamp();
        long dropped;
        lock (_lock)
        {
            _evictedSinceReport += evicted;
            if (_lastReport != long.MinValue && _timeProvider.GetElapsedTime(_lastReport, now) < EvictionReportInterval)
            {
                return;
            }

            _lastReport = now;
            dropped = _evictedSinceReport;
            _evictedSinceReport = 0;
        }

        LogFull(_logger, _maxEntries, dropped);
    }

    [LoggerMessage(250, LogLevel.Warning, "The engine state store is full ({MaxEntries} entries): {Dropped} least recently used entries dropped since the last report. Raise CrafyChallengeServer:State:MaxEntries, or use Redis, if this is not a flood.", EventName = "EngineStateFull")]
    private static partial void LogFull(ILogger logger, int maxEntries, long dropped);

    /// <summary>One key's value or counter, linked into the least-recently-used list.</summary>
    private sealed class Entry(string key)
    {
        public string Key { get; } = key;

        /// <summary>The value, or <see langword="null"/> for a counter.</summary>
        public byte[]? Value { get; set; }

        public long Count { get; set; }

        public long ExpiresAt { get; set; }

        public Entry? Previous { get; set; }

        public Entry? Next { get; set; }
    }
}
