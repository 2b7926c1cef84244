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

    /// <summary>Whether the configured algorithm is Argon2id (the page then needs WebAssembly).</summary>
    public bool IsArgon2id => IsArgon2idName(_options.Pow.Algorithm);

    public static bool IsArgon2idName(string? algorithm) => string.Equals(algorithm, ChallengePowOptions.Argon2id, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A proof-of-work of <paramref name="maxNumber"/> SHA-256 numbers' worth, split into the algorithm's parts when
    /// <paramref name="split"/> (the flow's own work), or one challenge (the checkbox's surcharge).
    /// </summary>
    public PowChallenge Create(Credentials.ServedCredential credential, string flowToken, int maxNumber, DateTimeOffset expiresAt, bool split)
    {
        if (!IsArgon2id)
        {
            return PowChallenge.Create(credential.PowKey, flowToken, credential.Credential.PublicKey, maxNumber, expiresAt, split ? _options.PowParts : 1);
        }

        ChallengePowOptions pow = _options.Pow;
        int counters = (int)Math.Clamp(Math.Round((double)maxNumber * pow.Argon2MaxCounter / _options.PowMaxNumber), 1, 10_000_000);
        return Argon2idPow.Create(credential.PowKey, flowToken, credential.Credential.PublicKey, counters, expiresAt, split ? pow.Argon2Parts : 1, pow.Argon2MemoryKiB, pow.Argon2Iterations);
    }
}
