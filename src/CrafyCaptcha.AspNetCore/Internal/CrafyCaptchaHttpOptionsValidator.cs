using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// Validates <see cref="CrafyCaptchaHttpOptions"/> at start-up, now that a deployment sets them in configuration too:
/// each message names the setting (its configuration key where it has one) and what it must be.
/// </summary>
internal sealed class CrafyCaptchaHttpOptionsValidator : IValidateOptions<CrafyCaptchaHttpOptions>
{
    public ValidateOptionsResult Validate(string? name, CrafyCaptchaHttpOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.HeaderName) || options.HeaderName.Any(c => c <= ' ' || c >= 127 || c == ':'))
        {
            failures.Add("CrafyCaptcha:HeaderName must be an HTTP header name (visible ASCII, no spaces or colons).");
        }

        if (options.OptionsEndpointPermitsPerMinute is < 1 or > 1_000_000)
        {
            failures.Add("CrafyCaptcha:OptionsEndpointPermitsPerMinute must be between 1 and 1000000.");
        }

        if (!IsAddress(options.WidgetScriptUrl))
        {
            failures.Add("CrafyCaptcha:WidgetScriptUrl must be an app-relative path (~/… or /…) or an absolute http(s) URL.");
        }

        if (options.IframeUrl is { } iframe && !IsAddress(iframe))
        {
            failures.Add("CrafyCaptcha:IframeUrl must be an app-relative path (~/… or /…) or an absolute http(s) URL, e.g. https://captcha.example.com/crafy/challenge/.");
        }

        foreach ((string policyName, CrafyFlowPolicy policy) in options.Policies)
        {
            if (string.IsNullOrWhiteSpace(policy.FormFieldName))
            {
                failures.Add($"The CrafyCaptcha policy '{policyName}' has no FormFieldName.");
            }

            if (policy.MaxRiskScore is < 0 or > 1 || double.IsNaN(policy.MaxRiskScore))
            {
                failures.Add($"The CrafyCaptcha policy '{policyName}' has MaxRiskScore {policy.MaxRiskScore}: it must be between 0 and 1.");
            }

            if (policy.PowAlgorithm is { } algorithm && algorithm.ToUpperInvariant() is not ("SHA-256" or "ARGON2ID"))
            {
                failures.Add($"The CrafyCaptcha policy '{policyName}' has PowAlgorithm '{algorithm}': it must be SHA-256 or ARGON2ID (case-insensitive), or null for the engine's choice.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsAddress(string? value)
        => !string.IsNullOrWhiteSpace(value)
            && (value.StartsWith("~/", StringComparison.Ordinal)
                || (value.StartsWith('/') && !value.StartsWith("//", StringComparison.Ordinal))
                || (Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && uri.Scheme is "https" or "http"));
}
