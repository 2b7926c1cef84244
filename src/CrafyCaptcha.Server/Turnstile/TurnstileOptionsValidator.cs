using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Turnstile;

/// <summary>
/// Start-up checks of the Turnstile settings: each credential has both keys or neither; the engine's URLs are absolute
/// http(s) addresses; the timeout is between 100 ms and 30 s.
/// </summary>
internal sealed class TurnstileOptionsValidator : IValidateOptions<ChallengeServerOptions>
{
    private const string S = ChallengeTurnstileOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ChallengeServerOptions options)
    {
        var failures = new List<string>();
        for (int i = 0; i < options.Credentials.Count; i++)
        {
            ChallengeTurnstileKeys keys = options.Credentials[i].Turnstile;
            if (string.IsNullOrEmpty(keys.SiteKey) != string.IsNullOrEmpty(keys.SecretKey))
            {
                failures.Add($"CrafyChallengeServer:Credentials:{i}:Turnstile needs both SiteKey and SecretKey (or neither, for no Turnstile).");
            }
        }

        ChallengeTurnstileOptions turnstile = options.Turnstile;
        if (!IsHttp(turnstile.SiteVerifyUrl))
        {
            failures.Add($"{S}:SiteVerifyUrl must be an absolute http(s) address.");
        }

        if (!IsHttp(turnstile.ScriptUrl))
        {
            failures.Add($"{S}:ScriptUrl must be an absolute http(s) address.");
        }

        if (turnstile.Timeout < TimeSpan.FromMilliseconds(100) || turnstile.Timeout > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{S}:Timeout must be between 00:00:00.1 and 00:00:30.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttp(Uri? uri) => uri is { IsAbsoluteUri: true } && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
}
