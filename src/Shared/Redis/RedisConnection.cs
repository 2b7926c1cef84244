using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CrafyCaptcha.StackExchangeRedis.Internal;

/// <summary>
/// The store's one connection, made on first use: from the configuration string, the registered multiplexer or the
/// Redis distributed cache's settings. It never aborts on a failed connect, so it reconnects by itself when Redis returns.
/// </summary>
internal sealed class RedisConnection(IServiceProvider services, IOptions<RedisNonceStoreOptions> options) : IAsyncDisposable, IDisposable
{
    private readonly SemaphoreSlim _connect = new(1, 1);
    private IConnectionMultiplexer? _multiplexer;
    private bool _owned;

    public async ValueTask<IConnectionMultiplexer> GetAsync()
    {
        if (_multiplexer is { } ready)
        {
            return ready;
        }

        await _connect.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_multiplexer is null)
            {
                (_multiplexer, _owned) = await ConnectAsync(options.Value).ConfigureAwait(false);
            }

            return _multiplexer;
        }
        finally
        {
            _connect.Release();
        }
    }

    /// <summary>
    /// Runs one command on the database; connecting and the command failing both become the store's own exception
    /// (<paramref name="unavailable"/> logs and makes it), so a store fails closed the same way whichever step failed.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> command, Func<Exception, Exception> unavailable)
    {
        try
        {
            IDatabase db = (await GetAsync().ConfigureAwait(false)).GetDatabase();
            return await command(db).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            throw unavailable(ex);
        }
    }

    private async Task<(IConnectionMultiplexer, bool)> ConnectAsync(RedisNonceStoreOptions o)
    {
        if (o.UseRegisteredConnection)
        {
            return (services.GetRequiredService<IConnectionMultiplexer>(), false);
        }

        ConfigurationOptions configuration;
        if (o.UseDistributedCacheConnection)
        {
            RedisCacheOptions cache = services.GetRequiredService<IOptions<RedisCacheOptions>>().Value;
            if (cache.ConnectionMultiplexerFactory is { } factory)
            {
                return (await factory().ConfigureAwait(false), false);
            }

            configuration = cache.ConfigurationOptions?.Clone() ?? ConfigurationOptions.Parse(cache.Configuration ?? throw new InvalidOperationException("The Redis distributed cache has no connection configured."));
        }
        else
        {
            configuration = ConfigurationOptions.Parse(o.Configuration!);
        }

        int timeout = (int)o.OperationTimeout.TotalMilliseconds;
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.AsyncTimeout = timeout;
        configuration.ConnectRetry = 1;

        // Replies are read and completed on .NET's thread pool, not on StackExchange.Redis's dedicated reader threads:
        // every store call here is awaited (nothing blocks a pool thread on Redis), and the hop from a dedicated thread
        // to the pool cost ~0.3 ms of CPU a pass at nine round trips (benchmarks/README.md). A SocketManager set in the
        // distributed cache's ConfigurationOptions is kept; a registered connection or factory keeps all its settings.
        configuration.SocketManager ??= SocketManager.ThreadPool;
        return (await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false), true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned && _multiplexer is not null)
        {
            await _multiplexer.DisposeAsync().ConfigureAwait(false);
        }

        _connect.Dispose();
    }

    public void Dispose()
    {
        if (_owned)
        {
            _multiplexer?.Dispose();
        }

        _connect.Dispose();
    }
}
