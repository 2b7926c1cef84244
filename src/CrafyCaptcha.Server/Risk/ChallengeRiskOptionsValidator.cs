using System.Globalization;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Risk;

/// <summary>Validates <see cref="ChallengeServerOptions.Risk"/> at start-up with messages naming the key.</summary>
internal sealed class ChallengeRiskOptionsValidator : IValidateOptions<ChallengeServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ChallengeServerOptions server)
    {
        ChallengeRiskOptions options = server.Risk;
        const string S = ChallengeRiskOptions.SectionName;
        var failures = new List<string>();
        foreach ((string reason, double weight) in options.Weights)
        {
            if (!RiskReasons.All.Contains(reason))
            {
                failures.Add($"{S}:Weights:{reason} is not a risk reason. Known reasons: {string.Join(", ", RiskReasons.All)}.");
            }
            else if (weight is < 0 or > 1 || double.IsNaN(weight))
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{S}:Weights:{reason} must be between 0 and 1 (was {weight})."));
            }
        }

        Unit(failures, options.BaseScore, $"{S}:BaseScore");
        Unit(failures, options.CheckboxThreshold, $"{S}:CheckboxThreshold");
        Unit(failures, options.SliderThreshold, $"{S}:SliderThreshold");
        Unit(failures, options.ConnectThreshold, $"{S}:ConnectThreshold");
        Unit(failures, options.HiddenModeInteractiveThreshold, $"{S}:HiddenModeInteractiveThreshold");
        if (!(options.CheckboxThreshold <= options.SliderThreshold && options.SliderThreshold <= options.ConnectThreshold))
        {
            failures.Add($"{S}: CheckboxThreshold ≤ SliderThreshold ≤ ConnectThreshold must hold.");
        }

        if (options.VelocityWindow < TimeSpan.FromSeconds(10) || options.VelocityWindow > TimeSpan.FromDays(1))
        {
            failures.Add($"{S}:VelocityWindow must be between 10 seconds and one day.");
        }

        if (options.IpFreeLoads < 0 || options.NetworkFreeLoads < 0 || options.NetworkFreeAddresses < 0 || options.FreeFailures < 0)
        {
            failures.Add($"{S}: IpFreeLoads, NetworkFreeLoads, NetworkFreeAddresses and FreeFailures must not be negative.");
        }

        if (options.IpLoadsToFullWeight < 1 || options.NetworkLoadsToFullWeight < 1 || options.NetworkAddressesToFullWeight < 1 || options.FailuresToFullWeight < 1)
        {
            failures.Add($"{S}: IpLoadsToFullWeight, NetworkLoadsToFullWeight, NetworkAddressesToFullWeight and FailuresToFullWeight must be at least 1.");
        }

        if (options.IpLoadsRefused <= options.IpFreeLoads)
        {
            failures.Add($"{S}:IpLoadsRefused must be greater than IpFreeLoads (hard refusal only at the extremes).");
        }

        if (options.ChallengeLoadsPerMinute < 1 || options.AnswersPerMinute < 1)
        {
            failures.Add($"{S}: ChallengeLoadsPerMinute and AnswersPerMinute must be at least 1.");
        }

        if (options.PowGrowth is < 1 or > 10_000 || double.IsNaN(options.PowGrowth))
        {
            failures.Add($"{S}:PowGrowth must be between 1 and 10000.");
        }

        if (options.KeyboardOrTouchWorkFactor is < 0 or > 10 || double.IsNaN(options.KeyboardOrTouchWorkFactor))
        {
            failures.Add($"{S}:KeyboardOrTouchWorkFactor must be between 0 and 10.");
        }

        if (options.AccessiblePathsPerAddress < 0 || options.AccessiblePathsPerNetwork < options.AccessiblePathsPerAddress)
        {
            failures.Add($"{S}:AccessiblePathsPerAddress must be at least 0 and AccessiblePathsPerNetwork at least as large.");
        }

        if (options.AccessiblePathWindow < TimeSpan.FromMinutes(1) || options.AccessiblePathWindow > TimeSpan.FromDays(1))
        {
            failures.Add($"{S}:AccessiblePathWindow must be between 1 minute and 1 day.");
        }

        if (options.MinimumSolveTime < TimeSpan.Zero || options.MinimumSolveTime > TimeSpan.FromSeconds(10))
        {
            failures.Add($"{S}:MinimumSolveTime must be between 0 and 10 seconds.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Unit(List<string> failures, double value, string key)
    {
        if (value is < 0 or > 1 || double.IsNaN(value))
        {
            failures.Add($"{key} must be between 0 and 1.");
        }
    }
}
