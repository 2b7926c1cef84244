using CrafyCaptcha.AspNetCore;

namespace Microsoft.AspNetCore.Http;

/// <summary>Reads the request's recorded captcha verification.</summary>
public static class CrafyCaptchaHttpContextExtensions
{
    /// <summary>The verification recorded for this request, or <see langword="null"/> when nothing verified a token.</summary>
    /// <param name="httpContext">The request.</param>
    /// <returns>The result; its <see cref="FlowVerification.Failure"/> says why a token was rejected.</returns>
    public static FlowVerification? GetCrafyCaptchaResult(this HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return httpContext.Features.Get<ICrafyCaptchaFeature>()?.Verification;
    }
}
