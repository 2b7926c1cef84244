namespace CrafyCaptcha.Server;

/// <summary>
/// The proof-of-work's algorithm and its memory-hard parameters (configuration section <c>CrafyChallengeServer:Pow</c>).
/// The search space at risk 0 and its split stay <see cref="ChallengeServerOptions.PowMaxNumber"/> and
/// <see cref="ChallengeServerOptions.PowParts"/> for SHA-256; Argon2id has its own counter range and split, and grows
/// with the risk score as SHA-256's search space does (<c>Risk:PowGrowth</c>).
/// </summary>
public sealed class ChallengePowOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "CrafyChallengeServer:Pow";

    /// <summary>The value of <see cref="Algorithm"/> for ALTCHA's SHA-256 search (the default).</summary>
    public const string Sha256 = "SHA-256";

    /// <summary>The value of <see cref="Algorithm"/> for ALTCHA PoW v2's memory-hard Argon2id key derivation.</summary>
    public const string Argon2id = "ARGON2ID";

    /// <summary>
    /// <c>SHA-256</c> (default: find a number whose SHA-256 with the salt is the challenge) or <c>ARGON2ID</c> (ALTCHA
    /// PoW v2, deterministic effort: find the counter whose Argon2id key starts with the signed prefix); case-insensitive.
    /// </summary>
    public string Algorithm { get; set; } = Sha256;

    /// <summary>
    /// The algorithm of a rung of the ladder, replacing <see cref="Algorithm"/> there: keys <c>invisible</c>,
    /// <c>checkbox</c>, <c>slider</c>, <c>connect</c> (case-insensitive), values as <see cref="Algorithm"/>; for example
    /// <c>CrafyChallengeServer:Pow:AlgorithmByStep:connect=ARGON2ID</c> makes the riskiest flows' work memory-hard. A
    /// flow policy's own choice (<c>pow_algorithm</c> in its options) comes first.
    /// </summary>
    public IDictionary<string, string> AlgorithmByStep { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Argon2id's memory per derivation in KiB (default 4,096 = 4 MiB; 1,024 to 262,144).</summary>
    public int Argon2MemoryKiB { get; set; } = 4096;

    /// <summary>Argon2id's passes over that memory (default 1; 1 to 10).</summary>
    public int Argon2Iterations { get; set; } = 1;

    /// <summary>
    /// Argon2id's counter range at risk 0 (default 8; 1 to 100,000): about half as many derivations on average. It grows
    /// with the score as <see cref="ChallengeServerOptions.PowMaxNumber"/> does (<c>× PowGrowth^score</c>).
    /// </summary>
    public int Argon2MaxCounter { get; set; } = 8;

    /// <summary>
    /// Into how many independent Argon2id challenges the work is split (default 2; 1 to 16). The server derives each
    /// part's key once when it opens the flow (deterministic effort), so every part costs the server one derivation.
    /// </summary>
    public int Argon2Parts { get; set; } = 2;
}
