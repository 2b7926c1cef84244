using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Pow;

/// <summary>Checks <c>CrafyChallengeServer:Pow</c> at start-up, naming the key and the value it got.</summary>
internal sealed class PowOptionsValidator : IValidateOptions<ChallengeServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ChallengeServerOptions options)
    {
        ChallengePowOptions pow = options.Pow;
        var failures = new List<string>();
        if (!PowIssuer.IsKnown(pow.Algorithm))
        {
            failures.Add($"CrafyChallengeServer:Pow:Algorithm must be {ChallengePowOptions.Sha256} or {ChallengePowOptions.Argon2id} (case-insensitive); it is '{pow.Algorithm}'.");
        }

        foreach ((string step, string algorithm) in pow.AlgorithmByStep)
        {
            if (step.ToLowerInvariant() is not ("invisible" or "checkbox" or "slider" or "connect"))
            {
                failures.Add($"CrafyChallengeServer:Pow:AlgorithmByStep has the key '{step}'; the rungs are invisible, checkbox, slider and connect.");
            }
            else if (!PowIssuer.IsKnown(algorithm))
            {
                failures.Add($"CrafyChallengeServer:Pow:AlgorithmByStep:{step} must be {ChallengePowOptions.Sha256} or {ChallengePowOptions.Argon2id} (case-insensitive); it is '{algorithm}'.");
            }
        }

        Range(failures, "Argon2MemoryKiB", pow.Argon2MemoryKiB, 1024, 262_144);
        Range(failures, "Argon2Iterations", pow.Argon2Iterations, 1, 10);
        Range(failures, "Argon2MaxCounter", pow.Argon2MaxCounter, 1, 100_000);
        Range(failures, "Argon2Parts", pow.Argon2Parts, 1, 16);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add(FormattableString.Invariant($"CrafyChallengeServer:Pow:{key} must be between {min} and {max}; it is {value}."));
        }
    }
}
