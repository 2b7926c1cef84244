using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CrafyCaptcha.StackExchangeRedis.Internal;

/// <summary>
/// <see cref="IChallengeStateStore"/> on Redis, so that every engine instance sees one state: set is
/// <c>SET key value PX ttl</c>, try-add <c>SET … NX PX</c>, take one <c>GETDEL</c> (exactly one caller gets it), and
/// increment a small script (<c>INCR</c>, then <c>PEXPIRE</c> when the counter was just created) that Redis runs
/// atomically, so a counter never lives without its time to live. Redis expires keys itself and bounds memory with
/// its own <c>maxmemory</c> policy. Any Redis failure becomes <see cref="ChallengeStateUnavailableException"/>.
/// </summary>
internal sealed partial class RedisChallengeStateStore(RedisConnection connection, string keyPrefix, ILogger<RedisChallengeStateStore> logger) : IChallengeStateStore
{
    private const string IncrementScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 or redis.call('PTTL', KEYS[1]) == -1 then
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
        end
        return n
        """;

    // CountWindowsAsync in one round trip. Per counter, KEYS: current, previous (and the once-mark when ARGV says 2);
    // ARGV: mode (0 read, 1 add, 2 add once per mark), time to live in ms. Returns current, previous, … as integers.
    private const string CountWindowsScript = """
        local out = {}
        local k = 1
        for a = 1, #ARGV, 2 do
            local mode, ttl = ARGV[a], ARGV[a + 1]
            local current, previous = KEYS[k], KEYS[k + 1]
            k = k + 2
            local add = mode == '1'
            if mode == '2' then
                add = redis.call('SET', KEYS[k], '1', 'NX', 'PX', ttl) ~= false
                k = k + 1
            end
            local n
            if add then
                n = redis.call('INCR', current)
                if n == 1 or redis.call('PTTL', current) == -1 then
                    redis.call('PEXPIRE', current, ttl)
                end
            else
                n = tonumber(redis.call('GET', current) or '0')
            end
            out[#out + 1] = n
            out[#out + 1] = tonumber(redis.call('GET', previous) or '0')
        end
        return out
        """;

    public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        TimeSpan ttl = Check(key, timeToLive, cancellationToken);
        await Run(db => db.StringSetAsync(keyPrefix + key, value, ttl)).ConfigureAwait(false);
    }

    public async ValueTask<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        TimeSpan ttl = Check(key, timeToLive, cancellationToken);
        return await Run(db => db.StringSetAsync(keyPrefix + key, value, ttl, When.NotExists)).ConfigureAwait(false);
    }

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return (byte[]?)await Run(db => db.StringGetAsync(keyPrefix + key)).ConfigureAwait(false);
    }

    public async ValueTask<byte[]?> TakeAsync(string key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return (byte[]?)await Run(db => db.StringGetDeleteAsync(keyPrefix + key)).ConfigureAwait(false);
    }

    public async ValueTask<long> IncrementAsync(string key, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        TimeSpan ttl = Check(key, timeToLive, cancellationToken);
        RedisResult result = await Run(db => db.ScriptEvaluateAsync(IncrementScript, [keyPrefix + key], [(long)ttl.TotalMilliseconds])).ConfigureAwait(false);
        return (long)result;
    }

    public async ValueTask<long> GetCountAsync(string key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        RedisValue value = await Run(db => db.StringGetAsync(keyPrefix + key)).ConfigureAwait(false);
        return value.IsNull ? 0 : (long)value;
    }

    public async ValueTask<ChallengeWindowCount[]> CountWindowsAsync(IReadOnlyList<ChallengeWindowCounter> counters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(counters);
        cancellationToken.ThrowIfCancellationRequested();
        if (counters.Count == 0)
        {
            return [];
        }

        var keys = new List<RedisKey>(counters.Count * 3);
        var arguments = new RedisValue[counters.Count * 2];
        for (int i = 0; i < counters.Count; i++)
        {
            ChallengeWindowCounter counter = counters[i];
            TimeSpan ttl = Check(counter.CurrentKey, counter.TimeToLive, cancellationToken);
            Check(counter.PreviousKey, cancellationToken);
            keys.Add(keyPrefix + counter.CurrentKey);
            keys.Add(keyPrefix + counter.PreviousKey);
            if (counter.OnceKey is { Length: 0 })
            {
                throw new ArgumentException("A once key is either null or a non-empty string.", nameof(counters));
            }

            int mode = !counter.Increment ? 0 : counter.OnceKey is null ? 1 : 2;
            if (mode == 2)
            {
                keys.Add(keyPrefix + counter.OnceKey);
            }

            arguments[i * 2] = mode;
            arguments[(i * 2) + 1] = (long)ttl.TotalMilliseconds;
        }

        RedisResult result = await Run(db => db.ScriptEvaluateAsync(CountWindowsScript, [.. keys], arguments)).ConfigureAwait(false);
        long[] values = (long[])result!;
        var counts = new ChallengeWindowCount[counters.Count];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = new ChallengeWindowCount(values[i * 2], values[(i * 2) + 1]);
        }

        return counts;
    }

    private static void Check(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Checks the arguments and rounds the time to live up to whole milliseconds (Redis's <c>PX</c> unit).</summary>
    private static TimeSpan Check(string key, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        Check(key, cancellationToken);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        return TimeSpan.FromMilliseconds(Math.Ceiling(timeToLive.TotalMilliseconds));
    }

    /// <summary>Runs one Redis command; connecting and the command failing both become <see cref="ChallengeStateUnavailableException"/>.</summary>
    private Task<T> Run<T>(Func<IDatabase, Task<T>> command) => connection.RunAsync(command, Unavailable);

    private ChallengeStateUnavailableException Unavailable(Exception ex)
    {
        LogUnavailable(logger, ex);
        return new ChallengeStateUnavailableException("The Redis challenge state store is unavailable.", ex);
    }

    [LoggerMessage(302, LogLevel.Error, "Redis challenge state store operation failed.", EventName = "RedisStateUnavailable")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
