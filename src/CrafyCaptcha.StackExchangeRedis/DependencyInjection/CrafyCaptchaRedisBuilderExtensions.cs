using CrafyCaptcha;
using CrafyCaptcha.StackExchangeRedis;
using CrafyCaptcha.StackExchangeRedis.Internal;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts CrafyCaptcha's nonces (and the embedded engine's flow state) in Redis, for several instances behind a load balancer.</summary>
public static class CrafyCaptchaRedisBuilderExtensions
{
    /// <summary>
    /// Makes the default nonce store atomic across instances when the app's <c>IDistributedCache</c> is Redis'
    /// (<c>AddStackExchangeRedisCache</c>): nonces are written with <c>SET … PX</c> and consumed with one <c>GETDEL</c>
    /// on a connection made from the cache's own settings (<c>RedisCacheOptions</c>), under its <c>InstanceName</c> plus
    /// <c>CrafyCaptcha:NonceKeyPrefix</c>. With another cache it changes nothing. <c>AddCrafyCaptcha()</c> for ASP.NET
    /// Core calls it; an app on the SDK core alone (<c>AddCrafyCaptchaCore</c>) adds this one line. Unlike
    /// <see cref="AddRedisNonceStore(ICrafyCaptchaBuilder, Action{RedisNonceStoreOptions})"/>, it leaves the challenge
    /// engine's state where it is. Idempotent.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCrafyCaptcha</c> or <c>AddCrafyCaptchaCore</c>.</param>
    /// <returns>The builder.</returns>
    public static ICrafyCaptchaBuilder AddRedisDistributedCacheNonces(this ICrafyCaptchaBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Type cacheType = typeof(RedisCache);
        builder.Services.TryAddKeyedSingleton(cacheType, static (sp, _) => new RedisConnection(sp, Microsoft.Extensions.Options.Options.Create(new RedisNonceStoreOptions { UseDistributedCacheConnection = true })));
        builder.Services.TryAddKeyedSingleton<INonceStore>(cacheType, static (sp, key) => new RedisNonceStore(
            sp.GetRequiredKeyedService<RedisConnection>(key),
            sp.GetRequiredService<IOptions<RedisCacheOptions>>().Value.InstanceName + sp.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value.NonceKeyPrefix,
            sp.GetRequiredService<ILogger<RedisNonceStore>>()));
        return builder;
    }

    /// <summary>Uses the Redis nonce store with a StackExchange.Redis configuration string.</summary>
    /// <param name="builder">The builder from <c>AddCrafyCaptcha</c>.</param>
    /// <param name="configuration">For example <c>127.0.0.1:6379</c>.</param>
    /// <returns>The builder.</returns>
    public static ICrafyCaptchaBuilder AddRedisNonceStore(this ICrafyCaptchaBuilder builder, string configuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(configuration);
        return builder.AddRedisNonceStore(o => o.Configuration = configuration);
    }

    /// <summary>
    /// Uses the Redis nonce store: consume is one <c>GETDEL</c> (exactly one caller across all instances wins), Redis
    /// expires nonces, and a Redis failure fails verification closed (<c>captcha_unavailable</c>, HTTP 503). The
    /// challenge engine's state (<see cref="IChallengeStateStore"/>) moves to the same Redis, under
    /// <see cref="RedisNonceStoreOptions.ChallengeStateKeyPrefix"/>, so that every instance can serve every step.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCrafyCaptcha</c>.</param>
    /// <param name="configure">The connection (a configuration string, the registered multiplexer, or the Redis cache's connection), key prefix and timeout.</param>
    /// <returns>The builder.</returns>
    public static ICrafyCaptchaBuilder AddRedisNonceStore(this ICrafyCaptchaBuilder builder, Action<RedisNonceStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<RedisNonceStoreOptions>()
            .Configure(configure)
            .Validate(o => !string.IsNullOrEmpty(o.Configuration) || o.UseRegisteredConnection || o.UseDistributedCacheConnection,
                "CrafyCaptcha Redis nonce store: set a configuration string, UseRegisteredConnection or UseDistributedCacheConnection.")
            .Validate(o => o.OperationTimeout > TimeSpan.Zero && o.OperationTimeout <= TimeSpan.FromSeconds(30), "CrafyCaptcha Redis nonce store: OperationTimeout must be between 0 and 30 seconds.")
            .Validate(o => !string.IsNullOrEmpty(o.KeyPrefix), "CrafyCaptcha Redis nonce store: KeyPrefix must not be empty.")
            .Validate(o => !string.IsNullOrEmpty(o.ChallengeStateKeyPrefix) && !o.ChallengeStateKeyPrefix.StartsWith(o.KeyPrefix ?? string.Empty, StringComparison.Ordinal),
                "CrafyCaptcha Redis nonce store: ChallengeStateKeyPrefix must not be empty nor start with KeyPrefix.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton<RedisConnection>();
        builder.Services.Replace(ServiceDescriptor.Singleton<INonceStore>(sp => new RedisNonceStore(
            sp.GetRequiredService<RedisConnection>(),
            sp.GetRequiredService<IOptions<RedisNonceStoreOptions>>().Value.KeyPrefix,
            sp.GetRequiredService<ILogger<RedisNonceStore>>())));
        builder.Services.Replace(ServiceDescriptor.Singleton<IChallengeStateStore>(sp => new RedisChallengeStateStore(
            sp.GetRequiredService<RedisConnection>(),
            sp.GetRequiredService<IOptions<RedisNonceStoreOptions>>().Value.ChallengeStateKeyPrefix,
            sp.GetRequiredService<ILogger<RedisChallengeStateStore>>())));
        return builder;
    }
}
