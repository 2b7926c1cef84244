namespace CrafyCaptcha.AspNetCore;

/// <summary>
/// The class of a captcha failure as a person sees it: each has its own message (<see cref="CrafyFlowPolicy.Messages"/>,
/// <see cref="CrafyCaptchaMessages"/>). Map a <see cref="FlowFailure"/> with <see cref="CrafyCaptchaErrorCodes.Kind(FlowFailure)"/>.
/// </summary>
public enum CrafyCaptchaFailureKind
{
    /// <summary>Everything not listed below: forged, altered, malformed or incomplete tokens.</summary>
    Invalid = 0,

    /// <summary>No token was sent: the person did not complete the captcha.</summary>
    Missing = 1,

    /// <summary>The token expired before the form was sent.</summary>
    Expired = 2,

    /// <summary>The token was already used, or its flow expired or is unknown here.</summary>
    Replayed = 3,

    /// <summary>The token was made for another form (another policy).</summary>
    WrongPolicy = 4,

    /// <summary>The captcha could not be checked (the nonce store is unavailable).</summary>
    Unavailable = 5,

    /// <summary>The risk score is above the policy's maximum.</summary>
    TooRisky = 6,
}
