namespace CrafyCaptcha;

/// <summary>Why a captcha token was rejected. The values are stable; new ones are only ever added.</summary>
public enum FlowFailure
{
    /// <summary>The token verified.</summary>
    None = 0,

    /// <summary>No token was sent (empty or missing).</summary>
    MissingToken = 1,

    /// <summary>The token is longer than <see cref="CrafyCaptchaOptions.MaxTokenLength"/>; it was not decoded.</summary>
    TokenTooLarge = 2,

    /// <summary>The token is not base64 of a JSON object with non-empty <c>payload</c> and <c>server_sign</c> strings.</summary>
    MalformedToken = 3,

    /// <summary>The HMAC signature does not match: the token was forged, altered or signed with another secret.</summary>
    BadSignature = 4,

    /// <summary>The signed payload is not a JSON object.</summary>
    MalformedPayload = 5,

    /// <summary>The payload's <c>status</c> is not <c>success</c>.</summary>
    BadStatus = 6,

    /// <summary>The payload has no <c>expires_at</c>.</summary>
    MissingExpiry = 7,

    /// <summary>The payload's <c>expires_at</c> cannot be read as a date.</summary>
    InvalidExpiry = 8,

    /// <summary>The token's <c>expires_at</c> has passed.</summary>
    Expired = 9,

    /// <summary>The payload has no <c>nonce</c>.</summary>
    MissingNonce = 10,

    /// <summary>The sealed nonce does not open with this Secret Key.</summary>
    UndecryptableNonce = 11,

    /// <summary>The nonce opened but is not 64 lowercase hex characters.</summary>
    InvalidNonce = 12,

    /// <summary>The flow's stored context is missing or differs from the expected one (for example another policy).</summary>
    ContextMismatch = 13,

    /// <summary>The nonce is unknown, expired or already used: a replayed token, or a flow that was never created here.</summary>
    NonceNotFound = 14,

    /// <summary>The nonce store could not be reached; the token was not accepted (fail closed).</summary>
    StoreUnavailable = 15,

    /// <summary>The token verified, but its risk score is above what the policy accepts (the nonce was consumed).</summary>
    RiskTooHigh = 16,

    /// <summary>
    /// The flow was bound to a visitor (<see cref="FlowOptions.Visitor"/>) and the token was posted by another one (or
    /// by none): a token solved in one browser and used from another. The nonce was consumed.
    /// </summary>
    WrongVisitor = 17,
}
