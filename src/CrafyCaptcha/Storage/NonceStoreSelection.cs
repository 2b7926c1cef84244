using CrafyCaptcha.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Storage;

/// <summary>
/// The design card's default nonce store, chosen once from the app's <see cref="IDistributedCache"/> and named in the
/// log: the in-process store on the in-memory cache; the store registered for the cache's type (a keyed
/// <see cref="INonceStore"/> whose key is that type: <c>RedisCache</c>'s consumes with one Redis command across
/// instances); otherwise the cache with per-process atomicity, which only an explicit opt-in or Development accepts.
/// </summary>
internal static class NonceStoreSelection
{
    internal const string RefusedMessage =
        "CrafyCaptcha: the registered IDistributedCache ({0}) cannot remove a nonce atomically across processes, so two instances "
        + "could accept the same token at the same moment. Either use the Redis nonce store (package CrafyCaptcha.StackExchangeRedis: "
        + "AddCrafyCaptcha().AddRedisNonceStore(\"host:port\"), or register Redis' IDistributedCache with AddStackExchangeRedisCache), "
        + "or accept per-process replay protection by name: CrafyCaptcha:AcceptPerProcessReplayProtection = true. "
        + "Development allows it with a warning.";

    public static INonceStore Select(IServiceProvider services)
    {
        IDistributedCache cache = services.GetRequiredService<IDistributedCache>();
        ILogger logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("CrafyCaptcha.Storage.NonceStore");
        CrafyCaptchaOptions options = services.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value;
        if (cache.GetType() == typeof(MemoryDistributedCache)) // the in-process cache itself, not a shared cache built on it
        {
            Log.NonceStoreInUse(logger, "in process (the app's IDistributedCache is the in-memory cache); one instance only, a farm needs a shared cache or the Redis store");
            return ActivatorUtilities.CreateInstance<InMemoryNonceStore>(services);
        }

        for (Type? type = cache.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            if (services.GetKeyedService<INonceStore>(type) is { } registered)
            {
                Log.NonceStoreInUse(logger, $"on the app's IDistributedCache ({type.FullName}) under the prefix '{options.NonceKeyPrefix}', consumed atomically across instances ({registered.GetType().Name})");
                return registered;
            }
        }

        string cacheName = cache.GetType().FullName ?? cache.GetType().Name;
        bool development = services.GetService<IHostEnvironment>()?.IsDevelopment() == true;
        if (!options.AcceptPerProcessReplayProtection && !development)
        {
            throw new InvalidOperationException(string.Format(System.Globalization.CultureInfo.InvariantCulture, RefusedMessage, cacheName));
        }

        Log.NonceStorePerProcess(logger, options.AcceptPerProcessReplayProtection
            ? $"on the app's IDistributedCache ({cacheName}) under the prefix '{options.NonceKeyPrefix}', atomic per process only (CrafyCaptcha:AcceptPerProcessReplayProtection)"
            : $"on the app's IDistributedCache ({cacheName}) under the prefix '{options.NonceKeyPrefix}', atomic per process only: allowed in Development, refused at start-up elsewhere (use the Redis nonce store or set CrafyCaptcha:AcceptPerProcessReplayProtection)");
        return ActivatorUtilities.CreateInstance<DistributedCacheNonceStore>(services);
    }
}

/// <summary>Resolves the nonce store when the host starts: a store that is refused stops the app then, not at the first form post, and the log names the store in use.</summary>
internal sealed class NonceStoreStartupCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<INonceStore>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
