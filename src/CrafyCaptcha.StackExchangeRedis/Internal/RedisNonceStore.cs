using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CrafyCaptcha.StackExchangeRedis.Internal;

/// <summary>
/// <see cref="INonceStore"/> on Redis. Store is <c>SET key value PX lifetime</c>; consume is one <c>GETDEL</c>, so of
/// any number of callers on any number of instances exactly one gets the nonce; Redis expires keys itself.
/// Clear-all walks the prefix with <c>SCAN</c> and <c>UNLINK</c>s in batches (never <c>KEYS</c>).
/// Any Redis failure becomes <see cref="NonceStoreUnavailableException"/>: verification fails closed.
/// </summary>
internal sealed partial class RedisNonceStore(RedisConnection connection, string keyPrefix, ILogger<RedisNonceStore> logger) : INonceStore
{
    private const string NoContext = "-";
    private const string ContextMarker = "c";

    public async ValueTask StoreAsync(string nonce, string? contextJson, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        IDatabase db = await DatabaseAsync().ConfigureAwait(false);
        RedisValue value = contextJson is null ? NoContext : ContextMarker + contextJson;
        await Guard(() => db.StringSetAsync(keyPrefix + nonce, value, lifetime)).ConfigureAwait(false);
    }

    public async ValueTask<NonceConsumption> TryConsumeAsync(string nonce, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        IDatabase db = await DatabaseAsync().ConfigureAwait(false);
        RedisValue value = await Guard(() => db.StringGetDeleteAsync(keyPrefix + nonce)).ConfigureAwait(false);
        if (value.IsNull)
        {
            return NonceConsumption.NotFound;
        }

        string text = value.ToString();
        return new NonceConsumption(true, text.StartsWith(ContextMarker, StringComparison.Ordinal) ? text[1..] : null);
    }

    public async ValueTask ClearAllNoncesAsync(CancellationToken cancellationToken = default)
    {
        IConnectionMultiplexer multiplexer = await connection.GetAsync().ConfigureAwait(false);
        IDatabase db = multiplexer.GetDatabase();
        foreach (System.Net.EndPoint endpoint in multiplexer.GetEndPoints())
        {
            IServer server = multiplexer.GetServer(endpoint);
            if (server.IsReplica)
            {
                continue;
            }

            var batch = new List<RedisKey>(1000);
            await foreach (RedisKey key in server.KeysAsync(db.Database, keyPrefix + "*", pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                batch.Add(key);
                if (batch.Count == 1000)
                {
                    await Guard(() => db.KeyDeleteAsync([.. batch], CommandFlags.None)).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await Guard(() => db.KeyDeleteAsync([.. batch], CommandFlags.None)).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<IDatabase> DatabaseAsync() => (await connection.GetAsync().ConfigureAwait(false)).GetDatabase();

    private async Task<T> Guard<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogUnavailable(logger, ex);
            throw new NonceStoreUnavailableException("The Redis nonce store is unavailable.", ex);
        }
    }

    [LoggerMessage(301, LogLevel.Error, "Redis nonce store operation failed.", EventName = "RedisUnavailable")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
