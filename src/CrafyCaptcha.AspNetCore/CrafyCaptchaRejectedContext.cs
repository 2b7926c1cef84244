namespace CrafyCaptcha.AspNetCore;

/// <summary>What <see cref="CrafyCaptchaHttpOptions.OnRejected"/> receives.</summary>
public sealed class CrafyCaptchaRejectedContext
{
    internal CrafyCaptchaRejectedContext(HttpContext httpContext, ICrafyCaptchaFeature feature, string message)
    {
        HttpContext = httpContext;
        Feature = feature;
        Message = message;
    }

    /// <summary>The rejected request.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The verification result, with its policy and reason.</summary>
    public ICrafyCaptchaFeature Feature { get; }

    /// <summary>The stable error code of the failure (for example <c>captcha_replayed</c>).</summary>
    public string ErrorCode => CrafyCaptchaErrorCodes.For(Feature.Verification.Failure);

    /// <summary>The message for a person, in the request's UI culture (the policy's own text when it sets one): what the default ProblemDetails carries as <c>detail</c>.</summary>
    public string Message { get; }
}
