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
        RedisValue value = contextJson is null ? NoContext : ContextMarker + contextJson;
        await Run(db => db.StringSetAsync(keyPrefix + nonce, value, lifetime)).ConfigureAwait(false);
    }

    public async ValueTask<NonceConsumption> TryConsumeAsync(string nonce, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        RedisValue value = await Run(db => db.StringGetDeleteAsync(keyPrefix + nonce)).ConfigureAwait(false);
        if (value.IsNull)
        {
            return NonceConsumption.NotFound;
        }

        string text = value.ToString();
        return new NonceConsumption(true, text.StartsWith(ContextMarker, StringComparison.Ordinal) ? text[1..] : null);
    }

    public async ValueTask ClearAllNoncesAsync(CancellationToken cancellationToken = default)
    {
        IConnectionMultiplexer multiplexer = await Run(_ => connection.GetAsync().AsTask()).ConfigureAwait(false);
        IDatabase db = multiplexer.GetDatabase();
        string pattern = GlobEscaped(keyPrefix) + "*"; // an InstanceName with * ? [ ] must not match another app's keys
        foreach (System.Net.EndPoint endpoint in multiplexer.GetEndPoints())
        {
            IServer server = multiplexer.GetServer(endpoint);
            if (server.IsReplica)
            {
                continue;
            }

            var batch = new List<RedisKey>(1000);
            await foreach (RedisKey key in server.KeysAsync(db.Database, pattern, pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                batch.Add(key);
                if (batch.Count == 1000)
                {
                    await Run(_ => db.KeyDeleteAsync([.. batch], CommandFlags.None)).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await Run(_ => db.KeyDeleteAsync([.. batch], CommandFlags.None)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs one Redis command; connecting and the command failing both become <see cref="NonceStoreUnavailableException"/> (fail closed).</summary>
    private Task<T> Run<T>(Func<IDatabase, Task<T>> command) => connection.RunAsync(command, Unavailable);

    private NonceStoreUnavailableException Unavailable(Exception ex)
    {
        LogUnavailable(logger, ex);
        return new NonceStoreUnavailableException("The Redis nonce store is unavailable.", ex);
    }

    /// <summary><paramref name="prefix"/> as a literal in a Redis glob pattern (<c>SCAN MATCH</c>).</summary>
    internal static string GlobEscaped(string prefix)
    {
        var escaped = new System.Text.StringBuilder(prefix.Length + 4);
        foreach (char c in prefix)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    [LoggerMessage(301, LogLevel.Error, "Redis nonce store operation failed.", EventName = "RedisUnavailable")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
