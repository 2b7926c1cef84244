namespace CrafyCaptcha.AspNetCore.Tests;

/// <summary>The texts a person reads, written out here so that a changed resource shows up as a failing test.</summary>
internal static class Messages
{
    public static readonly IReadOnlyDictionary<CrafyCaptchaFailureKind, string> English = new Dictionary<CrafyCaptchaFailureKind, string>
    {
        [CrafyCaptchaFailureKind.Missing] = "Please complete the captcha before sending the form.",
        [CrafyCaptchaFailureKind.Expired] = "Your verification expired — please verify again.",
        [CrafyCaptchaFailureKind.Replayed] = "This verification was already used or is no longer valid — please verify again.",
        [CrafyCaptchaFailureKind.WrongPolicy] = "This verification was made for another form — please verify again on this form.",
        [CrafyCaptchaFailureKind.Unavailable] = "The captcha cannot be checked right now — please try again in a moment.",
        [CrafyCaptchaFailureKind.TooRisky] = "We could not confirm that you are human — please try again.",
        [CrafyCaptchaFailureKind.Invalid] = "The captcha could not be verified — please verify again.",
    };

    /// <summary>A failure that has the error code <paramref name="code"/>.</summary>
    public static FlowFailure FailureOf(string code)
        => Enum.GetValues<FlowFailure>().First(f => f != FlowFailure.None && CrafyCaptchaErrorCodes.For(f) == code);
}
