namespace CrafyCaptcha;

/// <summary>English descriptions of each <see cref="FlowFailure"/>.</summary>
public static class FlowFailureMessages
{
    /// <summary>Describes <paramref name="failure"/> in one English sentence.</summary>
    /// <param name="failure">The reason.</param>
    /// <returns>A sentence without secrets or token contents.</returns>
    public static string Describe(FlowFailure failure) => failure switch
    {
        FlowFailure.None => "The captcha token is valid.",
        FlowFailure.MissingToken => "No captcha token was sent.",
        FlowFailure.TokenTooLarge => "The captcha token is too large.",
        FlowFailure.MalformedToken => "The captcha token is malformed.",
        FlowFailure.BadSignature => "The captcha token's signature is invalid.",
        FlowFailure.MalformedPayload => "The captcha token's payload is not a JSON object.",
        FlowFailure.BadStatus => "The captcha was not completed successfully.",
        FlowFailure.MissingExpiry => "The captcha token has no expiry date.",
        FlowFailure.InvalidExpiry => "The captcha token's expiry date cannot be read.",
        FlowFailure.Expired => "The captcha token has expired.",
        FlowFailure.MissingNonce => "The captcha token has no nonce.",
        FlowFailure.UndecryptableNonce => "The captcha token's nonce cannot be decrypted with this secret key.",
        FlowFailure.InvalidNonce => "The captcha token's nonce is not valid.",
        FlowFailure.ContextMismatch => "The captcha token was issued for another form or context.",
        FlowFailure.NonceNotFound => "The captcha token was already used or its flow has expired.",
        FlowFailure.StoreUnavailable => "The captcha could not be checked because the nonce store is unavailable.",
        FlowFailure.RiskTooHigh => "The captcha token's risk score is too high for this form.",
        FlowFailure.WrongVisitor => "The captcha token was completed in another browser than the one that posted it.",
        _ => "The captcha token is not valid.",
    };
}
