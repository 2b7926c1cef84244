namespace CrafyCaptcha.AspNetCore;

/// <summary>
/// The request's captcha verification, recorded once (verifying consumes the nonce, so a second verification would
/// always fail). Read it with <c>HttpContext.GetCrafyCaptchaResult()</c>.
/// </summary>
public interface ICrafyCaptchaFeature
{
    /// <summary>The policy the token was verified against.</summary>
    string PolicyName { get; }

    /// <summary>The outcome.</summary>
    FlowVerification Verification { get; }
}
