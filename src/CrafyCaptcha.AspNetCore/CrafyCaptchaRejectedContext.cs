namespace CrafyCaptcha.AspNetCore;

/// <summary>What <see cref="CrafyCaptchaHttpOptions.OnRejected"/> receives.</summary>
public sealed class CrafyCaptchaRejectedContext
{
    internal CrafyCaptchaRejectedContext(HttpContext httpContext, ICrafyCaptchaFeature feature)
    {
        HttpContext = httpContext;
        Feature = feature;
    }

    /// <summary>The rejected request.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The verification result, with its policy and reason.</summary>
    public ICrafyCaptchaFeature Feature { get; }

    /// <summary>The stable error code of the failure (for example <c>captcha_replayed</c>).</summary>
    public string ErrorCode => CrafyCaptchaErrorCodes.For(Feature.Verification.Failure);
}
