namespace CrafyCaptcha.AspNetCore.Components;

/// <summary>
/// What the <see cref="CrafyCaptcha"/> component asks of its host, like <c>AntiforgeryStateProvider</c>: the widget's
/// settings, the verification this request's form post got (static server rendering) and, in an interactive-Server
/// circuit, a verification of the token. <c>AddCrafyCaptcha()</c> (CrafyCaptcha.AspNetCore) registers the server's. A
/// WebAssembly client calls <c>AddCrafyCaptchaWebAssembly()</c>: its provider reads the settings the server persisted
/// while prerendering.
/// </summary>
public abstract class CrafyCaptchaStateProvider
{
    /// <summary>The widget's settings for <paramref name="policyName"/>.</summary>
    /// <param name="policyName">The policy; <see langword="null"/> for the default policy.</param>
    /// <param name="cancellationToken">Cancels the lookup (the public token may need the hosted API).</param>
    /// <returns>The settings.</returns>
    public abstract ValueTask<CrafyCaptchaWidgetSettings> GetWidgetSettingsAsync(string? policyName, CancellationToken cancellationToken);

    /// <summary>
    /// The first challenge (<c>eo</c>) for a statically rendered widget that loads at once, carried by the page so the
    /// challenge starts without a round trip to the options endpoint; <see langword="null"/> when there is none (the
    /// widget then asks the options endpoint). An <c>eo</c> is single-use: a provider that gives one keeps the page out
    /// of caches. The default gives none.
    /// </summary>
    /// <param name="policyName">The policy; <see langword="null"/> for the default policy.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The <c>eo</c>, or <see langword="null"/>.</returns>
    public virtual ValueTask<string?> GetPageEncryptedOptionsAsync(string? policyName, CancellationToken cancellationToken)
        => ValueTask.FromResult<string?>(null);

    /// <summary>
    /// The verification that the current request's form post got under <paramref name="policyName"/> (recorded by
    /// <c>UseCrafyCaptcha()</c>), or <see langword="null"/> when nothing verified a token for it (a GET, another
    /// policy, an interactive render).
    /// </summary>
    /// <param name="policyName">The policy; <see langword="null"/> for the default policy.</param>
    /// <returns>The result, or <see langword="null"/>.</returns>
    public abstract CrafyCaptchaVerificationResult? GetRequestVerification(string? policyName);

    /// <summary>
    /// Verifies <paramref name="token"/> for <paramref name="policyName"/> where the code runs on the server (an
    /// interactive-Server circuit); consumes the token. A WebAssembly client cannot verify: it sends the token to a
    /// server endpoint protected by <c>RequireCrafyCaptcha</c> instead, and this throws <see cref="NotSupportedException"/>.
    /// </summary>
    /// <param name="policyName">The policy; <see langword="null"/> for the default policy.</param>
    /// <param name="token">The widget's token.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>The result, with the person's message on failure.</returns>
    public abstract ValueTask<CrafyCaptchaVerificationResult> VerifyAsync(string? policyName, string? token, CancellationToken cancellationToken);
}
