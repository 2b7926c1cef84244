namespace CrafyCaptcha.AspNetCore.Components;

/// <summary>What the browser widget is initialised with for one policy: public values only, never a secret.</summary>
public sealed class CrafyCaptchaWidgetSettings
{
    /// <summary>The policy name.</summary>
    public required string PolicyName { get; init; }

    /// <summary>The credential's public key (<c>pk_…</c>).</summary>
    public required string PublicKey { get; init; }

    /// <summary>The credential's public token; <see langword="null"/> when the server could not get it (the widget then shows an error).</summary>
    public string? PublicToken { get; init; }

    /// <summary>The Ed25519 public key the widget checks the challenge's messages with.</summary>
    public string? SigningPublicKey { get; init; }

    /// <summary>The form field the server reads the token from (the policy's).</summary>
    public required string InputName { get; init; }

    /// <summary>The options endpoint's path (<c>MapCrafyOptions</c>), or <see langword="null"/> when it is not mapped.</summary>
    public string? OptionsUrl { get; init; }

    /// <summary>The challenge iframe's address, or <see langword="null"/> for the widget's default.</summary>
    public string? IframeUrl { get; init; }

    /// <summary>The widget script's path.</summary>
    public required string ScriptUrl { get; init; }

    /// <summary>
    /// Where the widget loads its Turnstile bridge from, or <see langword="null"/> when it is beside the widget script (the
    /// package's own file); given when the configured widget script is another file (a bundle, a fingerprinted copy).
    /// </summary>
    public string? TurnstileBridgeUrl { get; init; }

    /// <summary>The person's message for a missing token, in the request's language (shown when an interactive form is submitted before the widget is done).</summary>
    public required string MissingTokenMessage { get; init; }

    /// <summary>
    /// The person's message when the captcha cannot be checked right now, in the request's language: shown by an
    /// interactive component whose widget script could not load (an ad blocker, a CSP, the network).
    /// </summary>
    public string? UnavailableMessage { get; init; }

    /// <summary>
    /// Whether the widget names the reason of its error states in the browser console: <see langword="true"/> only in
    /// the Development environment (the server's provider sets it; never sent elsewhere).
    /// </summary>
    public bool DevHints { get; init; }
}
