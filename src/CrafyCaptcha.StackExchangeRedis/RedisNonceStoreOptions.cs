using StackExchange.Redis;

namespace CrafyCaptcha.StackExchangeRedis;

/// <summary>
/// Where and how the Redis nonce store, and the challenge engine's state store that comes with it, connect. One of the
/// connection settings is required.
/// </summary>
public sealed class RedisNonceStoreOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>.</summary>
    public string? Configuration { get; set; }

    /// <summary>Use the <see cref="IConnectionMultiplexer"/> registered in the service collection.</summary>
    public bool UseRegisteredConnection { get; set; }

    /// <summary>Use the connection settings of the app's Redis <c>IDistributedCache</c> (<c>AddStackExchangeRedisCache</c>).</summary>
    public bool UseDistributedCacheConnection { get; set; }

    /// <summary>Prefix of every key the store writes (default <c>crafy:nonce:</c>).</summary>
    public string KeyPrefix { get; set; } = "crafy:nonce:";

    /// <summary>
    /// Prefix of every key of the challenge engine's state (flows, one-use marks, counters) when the engine runs in this
    /// app (default <c>crafy:engine:</c>). It must not start with <see cref="KeyPrefix"/>, whose keys clear-all removes.
    /// </summary>
    public string ChallengeStateKeyPrefix { get; set; } = "crafy:engine:";

    /// <summary>
    /// How long one Redis operation may take before the store reports it unavailable (default 1 second), and the
    /// connect timeout. A dead Redis fails requests fast instead of hanging them.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(1);
}
