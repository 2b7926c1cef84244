using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// The minimal-API endpoint filter of <c>.RequireCrafyCaptcha()</c>: verifies on unsafe methods and answers a
/// ProblemDetails with a stable <c>code</c> on failure (400, or 503 when the nonce store is unavailable).
/// </summary>
internal sealed class CrafyCaptchaEndpointFilter(CrafyCaptchaRequestVerifier verifier, IOptions<CrafyCaptchaHttpOptions> options) : IEndpointFilter
{
    private readonly CrafyCaptchaHttpOptions _options = options.Value;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext httpContext = context.HttpContext;
        ICrafyCaptchaMetadata? metadata = CrafyCaptchaRequestVerifier.Metadata(httpContext);
        if (metadata is not { RequiresCaptcha: true } || !CrafyCaptchaRequestVerifier.IsProtectedMethod(httpContext.Request.Method))
        {
            return await next(context).ConfigureAwait(false);
        }

        ICrafyCaptchaFeature feature;
        try
        {
            feature = await verifier.VerifyAsync(httpContext, metadata.PolicyName).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            return Problem(StatusCodes.Status500InternalServerError, CrafyCaptchaErrorCodes.UnknownPolicy, "The captcha is misconfigured on this endpoint.");
        }

        if (feature.Verification.IsValid)
        {
            return await next(context).ConfigureAwait(false);
        }

        FlowFailure failure = feature.Verification.Failure;
        int status = CrafyCaptchaErrorCodes.StatusCode(failure);
        if (_options.OnRejected is { } onRejected)
        {
            httpContext.Response.StatusCode = status;
            await onRejected(new CrafyCaptchaRejectedContext(httpContext, feature)).ConfigureAwait(false);
            if (httpContext.Response.HasStarted || httpContext.Response.StatusCode != status)
            {
                return Results.Empty; // the hook wrote or redirected: its response replaces the default
            }
        }

        return Problem(status, CrafyCaptchaErrorCodes.For(failure), feature.Verification.Message);
    }

    internal static IResult Problem(int status, string code, string detail)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = status == StatusCodes.Status503ServiceUnavailable ? "Captcha unavailable" : "Captcha verification failed",
            Detail = detail,
            Type = $"https://captcha.crafy.net/errors/{code}",
        };
        problem.Extensions["code"] = code;
        return TypedResults.Problem(problem);
    }
}
