using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// The one failure path of the minimal-API endpoint filter and the MVC/Razor Pages filter: verifies the request once,
/// picks the person's message for the failure and answers the policy's rejection (the <c>OnRejected</c> hook, or
/// ProblemDetails with the stable <c>code</c>), or, in ModelState mode, hands the message to the MVC filter.
/// </summary>
internal sealed class CrafyCaptchaGate(
    CrafyCaptchaRequestVerifier verifier,
    IOptions<CrafyCaptchaHttpOptions> options,
    IStringLocalizer<CrafyCaptchaMessages> localizer,
    ILogger<CrafyCaptchaGate> logger)
{
    /// <summary>The detail of <see cref="CrafyCaptchaErrorCodes.BadRequest"/>: no browser posts such a body, so it is for the client's developer.</summary>
    internal const string UnreadableFormDetail = "The request body could not be read: it claims to be a form (multipart or URL-encoded) but is not a valid one.";

    private readonly CrafyCaptchaHttpOptions _options = options.Value;

    /// <summary>Checks a request to an endpoint carrying <paramref name="metadata"/>; nothing is checked on safe methods or unprotected endpoints.</summary>
    /// <param name="httpContext">The request.</param>
    /// <param name="metadata">The endpoint's captcha metadata, if any.</param>
    /// <param name="modelStateAvailable"><see langword="true"/> for MVC actions and Razor Pages handlers, which may be in ModelState mode.</param>
    public async ValueTask<CrafyCaptchaOutcome> CheckAsync(HttpContext httpContext, ICrafyCaptchaMetadata? metadata, bool modelStateAvailable)
    {
        if (metadata is not { RequiresCaptcha: true } || !CrafyCaptchaRequestVerifier.IsProtectedMethod(httpContext.Request.Method))
        {
            return default;
        }

        ICrafyCaptchaFeature feature;
        try
        {
            feature = await verifier.VerifyAsync(httpContext, metadata.PolicyName).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            // Whatever the mode: a form that cannot be read cannot be re-rendered with the person's input either.
            Log.UnreadableForm(logger, ex.InnerException?.GetType().Name ?? nameof(BadHttpRequestException));
            return new CrafyCaptchaOutcome(Problem(ex.StatusCode, CrafyCaptchaErrorCodes.BadRequest, UnreadableFormDetail), null, null);
        }
        catch (InvalidOperationException)
        {
            // A configuration error never lets the action run, whatever the mode.
            return new CrafyCaptchaOutcome(Problem(StatusCodes.Status500InternalServerError, CrafyCaptchaErrorCodes.UnknownPolicy, "The captcha is misconfigured on this endpoint."), null, null);
        }

        FlowFailure failure = feature.Verification.Failure;
        if (feature.Verification.IsValid)
        {
            return default;
        }

        _options.TryGetPolicy(feature.PolicyName, out CrafyFlowPolicy policy);
        string message = Message(policy, failure);
        CrafyCaptchaFailureMode mode = modelStateAvailable
            ? (metadata as RequireCrafyCaptchaAttribute)?.FailureModeOverride ?? policy.FailureMode
            : CrafyCaptchaFailureMode.Reject;
        if (mode == CrafyCaptchaFailureMode.ModelState)
        {
            return new CrafyCaptchaOutcome(null, _options.ModelStateKey ?? policy.FormFieldName, message);
        }

        int status = CrafyCaptchaErrorCodes.StatusCode(failure);
        if (_options.OnRejected is { } onRejected)
        {
            httpContext.Response.StatusCode = status;
            await onRejected(new CrafyCaptchaRejectedContext(httpContext, feature, message)).ConfigureAwait(false);
            if (httpContext.Response.HasStarted || httpContext.Response.StatusCode != status)
            {
                return new CrafyCaptchaOutcome(Results.Empty, null, null); // the hook wrote or redirected: its response replaces the default
            }
        }

        return new CrafyCaptchaOutcome(Problem(status, CrafyCaptchaErrorCodes.For(failure), message), null, null);
    }

    /// <summary>The person's message for <paramref name="failure"/>: the policy's own text for its kind, else the built-in one in the request's UI culture.</summary>
    internal string Message(CrafyFlowPolicy policy, FlowFailure failure)
    {
        CrafyCaptchaFailureKind kind = CrafyCaptchaErrorCodes.Kind(failure);
        return policy.Messages.TryGetValue(kind, out string? own) ? own : localizer[kind.ToString()];
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

/// <summary>
/// What <see cref="CrafyCaptchaGate.CheckAsync"/> decided: nothing (<c>default</c>: passed or not checked), a
/// response that replaces the endpoint (<paramref name="Rejection"/>), or a ModelState error to add.
/// </summary>
/// <param name="Rejection">The response to send instead of running the endpoint.</param>
/// <param name="ModelStateKey">The ModelState key of the error, in ModelState mode.</param>
/// <param name="ModelStateMessage">The ModelState error, in ModelState mode.</param>
internal readonly record struct CrafyCaptchaOutcome(IResult? Rejection, string? ModelStateKey, string? ModelStateMessage);
