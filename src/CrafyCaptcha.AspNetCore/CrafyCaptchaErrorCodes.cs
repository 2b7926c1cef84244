namespace CrafyCaptcha.AspNetCore;

/// <summary>
/// The stable, machine-readable error codes of rejected requests (ProblemDetails extension <c>code</c>), one per
/// distinct cause. They are part of the public contract: codes are added, never changed or reused.
/// </summary>
public static class CrafyCaptchaErrorCodes
{
    /// <summary>No token in the form field or header.</summary>
    public const string Missing = "captcha_missing";

    /// <summary>The token is larger than allowed.</summary>
    public const string TooLarge = "captcha_too_large";

    /// <summary>The token is not a CrafyCAPTCHA token at all.</summary>
    public const string Malformed = "captcha_malformed";

    /// <summary>The token's signature is invalid: forged, altered or for another credential.</summary>
    public const string Invalid = "captcha_invalid";

    /// <summary>The signed payload is not a JSON object.</summary>
    public const string BadPayload = "captcha_bad_payload";

    /// <summary>The challenge was not completed successfully.</summary>
    public const string NotCompleted = "captcha_not_completed";

    /// <summary>The token has no expiry.</summary>
    public const string NoExpiry = "captcha_no_expiry";

    /// <summary>The token's expiry cannot be read.</summary>
    public const string BadExpiry = "captcha_bad_expiry";

    /// <summary>The token has expired.</summary>
    public const string Expired = "captcha_expired";

    /// <summary>The token has no nonce.</summary>
    public const string NoNonce = "captcha_no_nonce";

    /// <summary>The token's nonce does not open with this credential.</summary>
    public const string UndecryptableNonce = "captcha_undecryptable_nonce";

    /// <summary>The token's nonce is not a valid nonce.</summary>
    public const string InvalidNonce = "captcha_invalid_nonce";

    /// <summary>The token was issued for another policy (form).</summary>
    public const string WrongPolicy = "captcha_wrong_policy";

    /// <summary>The token was completed in another browser than the one that posted it (<see cref="CrafyFlowPolicy.BindToVisitor"/>).</summary>
    public const string WrongVisitor = "captcha_wrong_visitor";

    /// <summary>The token was already used, or its flow expired or was never created here.</summary>
    public const string Replayed = "captcha_replayed";

    /// <summary>The nonce store is unreachable; nothing was accepted (HTTP 503).</summary>
    public const string Unavailable = "captcha_unavailable";

    /// <summary>The challenge server's risk score is above the policy's maximum.</summary>
    public const string TooRisky = "captcha_too_risky";

    /// <summary>The endpoint names a policy that was never added (a configuration error, HTTP 500).</summary>
    public const string UnknownPolicy = "captcha_unknown_policy";

    /// <summary>
    /// The request claims a form body that cannot be read (multipart without a boundary, an unknown charset, a broken
    /// section): the client's error (HTTP 400), so no token could be looked for.
    /// </summary>
    public const string BadRequest = "captcha_bad_request";

    /// <summary>The error code of <paramref name="failure"/>.</summary>
    /// <param name="failure">The verification failure.</param>
    /// <returns>One of the constants of this class.</returns>
    public static string For(FlowFailure failure) => failure switch
    {
        FlowFailure.MissingToken => Missing,
        FlowFailure.TokenTooLarge => TooLarge,
        FlowFailure.MalformedToken => Malformed,
        FlowFailure.BadSignature => Invalid,
        FlowFailure.MalformedPayload => BadPayload,
        FlowFailure.BadStatus => NotCompleted,
        FlowFailure.MissingExpiry => NoExpiry,
        FlowFailure.InvalidExpiry => BadExpiry,
        FlowFailure.Expired => Expired,
        FlowFailure.MissingNonce => NoNonce,
        FlowFailure.UndecryptableNonce => UndecryptableNonce,
        FlowFailure.InvalidNonce => InvalidNonce,
        FlowFailure.ContextMismatch => WrongPolicy,
        FlowFailure.NonceNotFound => Replayed,
        FlowFailure.StoreUnavailable => Unavailable,
        FlowFailure.RiskTooHigh => TooRisky,
        FlowFailure.WrongVisitor => WrongVisitor,
        _ => Invalid,
    };

    /// <summary>The class of <paramref name="failure"/> as a person sees it, which selects its message.</summary>
    /// <param name="failure">The verification failure.</param>
    /// <returns>The failure kind; <see cref="CrafyCaptchaFailureKind.Invalid"/> for every cause without a kind of its own.</returns>
    public static CrafyCaptchaFailureKind Kind(FlowFailure failure) => failure switch
    {
        FlowFailure.MissingToken => CrafyCaptchaFailureKind.Missing,
        FlowFailure.Expired => CrafyCaptchaFailureKind.Expired,
        FlowFailure.NonceNotFound or FlowFailure.WrongVisitor => CrafyCaptchaFailureKind.Replayed,
        FlowFailure.ContextMismatch => CrafyCaptchaFailureKind.WrongPolicy,
        FlowFailure.StoreUnavailable => CrafyCaptchaFailureKind.Unavailable,
        FlowFailure.RiskTooHigh => CrafyCaptchaFailureKind.TooRisky,
        _ => CrafyCaptchaFailureKind.Invalid,
    };

    /// <summary>The HTTP status of a rejection: 503 when the store is unavailable, 400 otherwise.</summary>
    /// <param name="failure">The verification failure.</param>
    /// <returns>The status code.</returns>
    public static int StatusCode(FlowFailure failure)
        => failure == FlowFailure.StoreUnavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status400BadRequest;
}
