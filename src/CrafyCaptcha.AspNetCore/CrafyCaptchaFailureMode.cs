namespace CrafyCaptcha.AspNetCore;

/// <summary>What an MVC action or Razor Pages handler protected by <see cref="RequireCrafyCaptchaAttribute"/> does when the captcha fails.</summary>
public enum CrafyCaptchaFailureMode
{
    /// <summary>
    /// Fail closed (the default): the action or handler does not run; the request is answered with the policy's
    /// rejection, as minimal APIs are: 400 ProblemDetails with the stable <c>code</c> (503 for
    /// <c>captcha_unavailable</c>), or <see cref="CrafyCaptchaHttpOptions.OnRejected"/> when set.
    /// </summary>
    Reject = 0,

    /// <summary>
    /// Add a ModelState error and run the action or handler, for forms that re-render with the user's input. The
    /// action must check <c>ModelState.IsValid</c> (analyzer CRAFY001 warns when it does not).
    /// </summary>
    ModelState = 1,
}
