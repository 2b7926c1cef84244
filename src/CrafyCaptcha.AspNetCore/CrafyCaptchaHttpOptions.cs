namespace CrafyCaptcha.AspNetCore;

/// <summary>
/// How CrafyCaptcha protects HTTP endpoints: the named policies, where tokens are read, the options endpoint's
/// limits and the rejection hook. Configure with <c>AddCrafyCaptcha(o =&gt; ...)</c>.
/// </summary>
public sealed class CrafyCaptchaHttpOptions
{
    /// <summary>The default form field of the token, as the official widget names it.</summary>
    public const string DefaultFormFieldName = "CrafyCAPTCHA_token";

    /// <summary>The name of the policy used when an endpoint names none.</summary>
    public const string DefaultPolicyName = "default";

    /// <summary>The header fetch/JSON clients send the token in.</summary>
    public const string DefaultHeaderName = "X-Crafy-Captcha-Token";

    internal const string PolicyContextKey = "policy";

    private readonly Dictionary<string, CrafyFlowPolicy> _policies = new(StringComparer.Ordinal)
    {
        [DefaultPolicyName] = new CrafyFlowPolicy(),
    };

    /// <summary>The header the token may be sent in instead of the form field (default <c>X-Crafy-Captcha-Token</c>).</summary>
    public string HeaderName { get; set; } = DefaultHeaderName;

    /// <summary>The ModelState key of the failure message in <see cref="CrafyCaptchaFailureMode.ModelState"/> mode (default: the policy's form field name).</summary>
    public string? ModelStateKey { get; set; }

    /// <summary>
    /// Called when a request is rejected (a minimal-API endpoint, or an MVC action or Razor Pages handler in
    /// <see cref="CrafyCaptchaFailureMode.Reject"/> mode), after the default 400 (or 503) ProblemDetails response has
    /// been prepared (status code set, nothing written). Write a body or set another status code (a redirect, say) to
    /// replace the default ProblemDetails; leave both alone to keep it.
    /// </summary>
    public Func<CrafyCaptchaRejectedContext, ValueTask>? OnRejected { get; set; }

    /// <summary>
    /// How many flows one client IP may create through the options endpoint per minute (default 120; its network, /24 or
    /// /48, five times that; an IPv6 client is its /64). Generous on purpose: people behind one address get harder challenges from the engine, not
    /// refusals from here.
    /// </summary>
    public int OptionsEndpointPermitsPerMinute { get; set; } = 120;

    /// <summary>Whether the options endpoint requires a valid antiforgery token (default <see langword="true"/>).</summary>
    public bool OptionsEndpointRequiresAntiforgery { get; set; } = true;

    /// <summary>
    /// The URL of the widget script the tag helper and the Blazor component load (default: the copy shipped with this
    /// package, in the build with only the page's language when the request's <c>Accept-Language</c> names one the
    /// widget has).
    /// </summary>
    public string WidgetScriptUrl { get; set; } = DefaultWidgetScriptUrl;

    internal const string DefaultWidgetScriptUrl = "~/_content/CrafyCaptcha.AspNetCore/crafy-captcha.min.js";

    /// <summary>The challenge iframe's address given to the widget (<c>~/</c> is the app's base); <see langword="null"/> lets the widget use its default.</summary>
    public string? IframeUrl { get; set; }

    /// <summary>Reads the CSP nonce of the current response for the widget's script tag; <see langword="null"/> when the app uses none.</summary>
    public Func<HttpContext, string?>? CspNonce { get; set; }

    /// <summary>Allows the test credentials outside the Development environment (default <see langword="false"/>).</summary>
    public bool AllowTestCredentials { get; set; }

    internal IReadOnlyDictionary<string, CrafyFlowPolicy> Policies => _policies;

    /// <summary>Adds or replaces the policy <paramref name="name"/>.</summary>
    /// <param name="name">The policy name used by attributes, filters and tag helpers.</param>
    /// <param name="configure">Sets the policy.</param>
    public void AddPolicy(string name, Action<CrafyFlowPolicy> configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        var policy = new CrafyFlowPolicy();
        configure(policy);
        _policies[name] = policy;
    }

    internal bool TryGetPolicy(string? name, out CrafyFlowPolicy policy)
        => _policies.TryGetValue(name ?? DefaultPolicyName, out policy!);

    /// <summary>The policy a widget's markup names (<paramref name="markup"/>: how the page wrote it); a name never added is the developer's mistake.</summary>
    internal CrafyFlowPolicy GetPolicyForWidget(string name, string markup)
        => TryGetPolicy(name, out CrafyFlowPolicy policy)
            ? policy
            : throw new InvalidOperationException($"{markup} names a policy that was never added. Add it with AddCrafyCaptcha().AddFlowPolicy(\"{name}\", ...).");
}
