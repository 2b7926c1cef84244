using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Pow;

/// <summary>
/// Makes a flow's proof-of-work in the configured algorithm (<c>CrafyChallengeServer:Pow:Algorithm</c>). The risk
/// engine sizes the work in SHA-256 numbers (<c>PowMaxNumber × PowGrowth^score</c>); Argon2id takes the same proportion
/// of its own counter range (<c>Pow:Argon2MaxCounter</c> at risk 0), so the ladder grows both alike.
/// </summary>
internal sealed class PowIssuer(IOptions<ChallengeServerOptions> options)
{
    private readonly ChallengeServerOptions _options = options.Value;

    public static bool IsArgon2idName(string? algorithm) => string.Equals(algorithm, ChallengePowOptions.Argon2id, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="algorithm"/> names one of the two algorithms (case-insensitive).</summary>
    public static bool IsKnown(string? algorithm)
        => IsArgon2idName(algorithm) || string.Equals(algorithm, ChallengePowOptions.Sha256, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A flow's algorithm, spelled as the challenges spell it (<see cref="PowChallenge.Sha256"/> or
    /// <see cref="PowChallenge.Argon2id"/>): its policy's (<paramref name="requested"/>, from the flow's options) when it
    /// names one, else its rung's (<c>Pow:AlgorithmByStep</c>), else <c>Pow:Algorithm</c>.
    /// </summary>
    public string AlgorithmFor(string step, string? requested)
    {
        string chosen = IsKnown(requested) ? requested!
            : _options.Pow.AlgorithmByStep.TryGetValue(step, out string? byStep) ? byStep
            : _options.Pow.Algorithm;
        return IsArgon2idName(chosen) ? PowChallenge.Argon2id : PowChallenge.Sha256;
    }

    /// <summary>
    /// A proof-of-work of <paramref name="maxNumber"/> SHA-256 numbers' worth in <paramref name="algorithm"/> (see
    /// <see cref="AlgorithmFor"/>), split into the algorithm's parts when <paramref name="split"/> (the flow's own
    /// work), or one challenge (the checkbox's surcharge, the accessible path).
    /// </summary>
    public PowChallenge Create(Credentials.ServedCredential credential, string flowToken, int maxNumber, DateTimeOffset expiresAt, bool split, string algorithm)
    {
        if (!IsArgon2idName(algorithm))
        {
            return PowChallenge.Create(credential.PowKey, flowToken, credential.Credential.PublicKey, maxNumber, expiresAt, split ? _options.PowParts : 1);
        }

        ChallengePowOptions pow = _options.Pow;
        int counters = (int)Math.Clamp(Math.Round((double)maxNumber * pow.Argon2MaxCounter / _options.PowMaxNumber), 1, 10_000_000);
        return Argon2idPow.Create(credential.PowKey, flowToken, credential.Credential.PublicKey, counters, expiresAt, split ? pow.Argon2Parts : 1, pow.Argon2MemoryKiB, pow.Argon2Iterations);
    }
}
