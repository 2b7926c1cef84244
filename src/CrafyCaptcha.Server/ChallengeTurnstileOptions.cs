namespace CrafyCaptcha.Server;

/// <summary>
/// How the engine reaches Cloudflare Turnstile (configuration section <c>CrafyChallengeServer:Turnstile</c>), for the
/// credentials that have Turnstile keys (<see cref="ChallengeCredential.Turnstile"/>). Validated at start-up.
/// </summary>
public sealed class ChallengeTurnstileOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "CrafyChallengeServer:Turnstile";

    /// <summary>Where tokens are verified (default Cloudflare's <c>https://challenges.cloudflare.com/turnstile/v0/siteverify</c>).</summary>
    public Uri SiteVerifyUrl { get; set; } = new("https://challenges.cloudflare.com/turnstile/v0/siteverify");

    /// <summary>
    /// The Turnstile script our widget loads into the embedding page (default Cloudflare's
    /// <c>https://challenges.cloudflare.com/turnstile/v0/api.js</c>). The official widget always loads Cloudflare's.
    /// </summary>
    public Uri ScriptUrl { get; set; } = new("https://challenges.cloudflare.com/turnstile/v0/api.js");

    /// <summary>
    /// How long one answer may wait for <c>siteverify</c>, retries included (default 5 seconds, at most 30). When it
    /// does not answer in time, the person is not locked out: an invisible flow is refused and reloaded as an
    /// interactive one, and an interactive flow passes (its token names the reason <c>turnstile_unavailable</c>).
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// A credential's Cloudflare Turnstile keys (section <c>CrafyChallengeServer:Credentials:N:Turnstile</c>): both or
/// neither. When set, the challenge also runs Turnstile in the embedding page and the engine checks its token with
/// <c>siteverify</c> before issuing a captcha token.
/// </summary>
public sealed class ChallengeTurnstileKeys
{
    /// <summary>The Turnstile site key (public: the widget renders Turnstile with it).</summary>
    public string? SiteKey { get; set; }

    /// <summary>The Turnstile secret key (the engine's alone: sent only to <c>siteverify</c>).</summary>
    public string? SecretKey { get; set; }

    /// <summary>Whether both keys are set.</summary>
    internal bool IsConfigured => !string.IsNullOrEmpty(SiteKey) && !string.IsNullOrEmpty(SecretKey);
}
