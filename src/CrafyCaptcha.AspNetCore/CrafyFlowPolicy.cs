using System.Text.Json.Nodes;

namespace CrafyCaptcha.AspNetCore;

/// <summary>
/// A named flow policy, like a rate-limiter policy: what flows created for it ask of the challenge server and how
/// its tokens are read. The policy name is stored as the flow's server-side context, so a token minted for one
/// policy fails on an endpoint that requires another.
/// </summary>
public sealed class CrafyFlowPolicy
{
    /// <summary>The friction mode of the policy's flows (default: left to the server, <c>auto</c>).</summary>
    public FlowMode? Mode { get; set; }

    /// <summary>The puzzles allowed, in order; <see langword="null"/> leaves the choice to the server.</summary>
    public IList<PuzzleKind>? Puzzles { get; set; }

    /// <summary>
    /// Whether a person shown a puzzle may take the accessible path ("I can't see the puzzle": a longer proof-of-work
    /// instead of the picture) (default <see langword="true"/>). The path is limited per address and network and named
    /// in the token (<c>accessible_path</c>); turn it off for a policy that must always see a solved picture. The flow's
    /// options then carry <c>accessible_path: false</c>: the page shows no such button and the engine refuses the action
    /// with <c>accessible_path_off</c> (403).
    /// </summary>
    public bool AccessiblePath { get; set; } = true;

    /// <summary>
    /// The proof-of-work algorithm of the policy's flows on an embedded or stand-alone CrafyCaptcha engine: <c>SHA-256</c>
    /// or <c>ARGON2ID</c> (memory-hard; case-insensitive); <see langword="null"/> (the default) leaves it to the engine
    /// (<c>CrafyChallengeServer:Pow:AlgorithmByStep</c>, then <c>Pow:Algorithm</c>). Carried as <c>pow_algorithm</c> in
    /// the flow's options; an engine that knows no such key ignores it.
    /// </summary>
    public string? PowAlgorithm { get; set; }

    /// <summary>The form field the token is posted in (default <c>CrafyCAPTCHA_token</c>).</summary>
    public string FormFieldName { get; set; } = CrafyCaptchaHttpOptions.DefaultFormFieldName;

    /// <summary>Tokens whose risk score is above this are rejected (default 1.0: the score is not checked).</summary>
    public double MaxRiskScore { get; set; } = 1.0;

    /// <summary>
    /// Whether the policy's tokens are bound to the browser that got the flow (default <see langword="true"/>): the
    /// site records a keyed hash of a cookie of its own (<c>CrafyCAPTCHA.Visitor</c>) with the flow, and a token posted
    /// by another browser is refused with <c>captcha_wrong_visitor</c>, so tokens solved elsewhere (a solving farm, a
    /// stockpile) are worth nothing. It does not depend on the address. Turn it off for API clients that get their
    /// flows and post their tokens without cookies.
    /// </summary>
    public bool BindToVisitor { get; set; } = true;

    /// <summary>Other keys passed to the challenge server (for example <c>lang</c>).</summary>
    public JsonObject AdditionalOptions { get; } = [];

    /// <summary>
    /// What an MVC action or Razor Pages handler under <c>[RequireCrafyCaptcha]</c> does on failure (default
    /// <see cref="CrafyCaptchaFailureMode.Reject"/>: fail closed). Forms that re-render with the user's input choose
    /// <see cref="CrafyCaptchaFailureMode.ModelState"/> and check <c>ModelState.IsValid</c>. Minimal APIs always reject.
    /// </summary>
    public CrafyCaptchaFailureMode FailureMode { get; set; } = CrafyCaptchaFailureMode.Reject;

    /// <summary>
    /// This policy's own texts, replacing the built-in (localised) message of a failure kind in every language; kinds
    /// not set here keep the built-in message. They are the ModelState error and the ProblemDetails <c>detail</c>.
    /// </summary>
    public IDictionary<CrafyCaptchaFailureKind, string> Messages { get; } = new Dictionary<CrafyCaptchaFailureKind, string>();

    internal FlowOptions ToFlowOptions(string policyName)
    {
        var options = new FlowOptions
        {
            Mode = Mode,
            Puzzles = Puzzles,
            Context = new JsonObject { [CrafyCaptchaHttpOptions.PolicyContextKey] = policyName },
        };
        foreach (KeyValuePair<string, JsonNode?> pair in AdditionalOptions)
        {
            options.AdditionalOptions[pair.Key] = pair.Value?.DeepClone();
        }

        if (!AccessiblePath)
        {
            options.AdditionalOptions["accessible_path"] = false;
        }

        if (PowAlgorithm is { Length: > 0 } algorithm)
        {
            options.AdditionalOptions["pow_algorithm"] = algorithm.ToUpperInvariant();
        }

        return options;
    }
}
