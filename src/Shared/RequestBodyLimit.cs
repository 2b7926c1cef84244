using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;

namespace CrafyCaptcha.Shared;

/// <summary>Caps a request body for one endpoint: a declared length over the cap is refused, an undeclared one is cut off by the server.</summary>
internal static class RequestBodyLimit
{
    /// <summary>
    /// <see langword="false"/> when the declared Content-Length is over <paramref name="limit"/>; otherwise lowers the
    /// server's limit for this request, so reading past it fails with <see cref="BadHttpRequestException"/>.
    /// </summary>
    public static bool TryApply(HttpContext httpContext, long limit)
    {
        if (httpContext.Request.ContentLength > limit)
        {
            return false;
        }

        if (httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        return true;
    }
}
