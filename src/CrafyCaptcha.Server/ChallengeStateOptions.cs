namespace CrafyCaptcha.Server;

/// <summary>
/// Where the engine keeps its state (flow records, one-use marks, velocity counters; configuration section
/// <c>CrafyChallengeServer:State</c>): in memory by default, bounded by <see cref="MaxEntries"/>; on Redis when
/// <see cref="Redis"/> is set, so that several engine instances behind a load balancer serve every step of every flow.
/// An app that calls <c>AddRedisNonceStore</c> has its engine state on that Redis already and ignores these.
/// </summary>
public sealed class ChallengeStateOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "CrafyChallengeServer:State";

    /// <summary>
    /// The most entries (flow records, one-use marks and counters together) the in-memory store holds (default
    /// 500,000; between 1,000 and 50,000,000). A full store drops its least recently used entries to make room; it
    /// never refuses a write. Each entry costs about 120 bytes plus its key and value (measured: a flow record of 250
    /// bytes under a 41-character key takes about 500 bytes, so the default bound holds at most about 250 MB).
    /// </summary>
    public int MaxEntries { get; set; } = 500_000;

    /// <summary>
    /// A StackExchange.Redis configuration string (for example <c>redis.internal:6379,password=…</c>): the engine's
    /// state moves to that Redis (default none: in memory, one instance). Every engine instance of one deployment sets
    /// the same value and <see cref="RedisKeyPrefix"/>. A Redis failure fails the engine closed (HTTP 503) and it
    /// reconnects by itself.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>The prefix of every key of the engine's state on <see cref="Redis"/> (default <c>crafy:engine:</c>).</summary>
    public string RedisKeyPrefix { get; set; } = "crafy:engine:";
}
