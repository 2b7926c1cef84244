namespace CrafyCaptcha.Server;

/// <summary>
/// The bounds of the engine's default, in-memory state store (configuration section <c>CrafyChallengeServer:State</c>).
/// A Redis state store (<c>AddRedisNonceStore</c>) is bounded by Redis itself and ignores them.
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
}
