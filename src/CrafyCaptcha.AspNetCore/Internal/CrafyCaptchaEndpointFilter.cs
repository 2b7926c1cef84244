namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// The minimal-API endpoint filter of <c>.RequireCrafyCaptcha()</c>: verifies on unsafe methods and, on failure,
/// answers the policy's rejection (<see cref="CrafyCaptchaGate"/>): ProblemDetails with a stable <c>code</c> (400, or
/// 503 when the nonce store is unavailable), or the <c>OnRejected</c> hook's response.
/// </summary>
internal sealed class CrafyCaptchaEndpointFilter(CrafyCaptchaGate gate) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        CrafyCaptchaOutcome outcome = await gate.CheckAsync(context.HttpContext, CrafyCaptchaRequestVerifier.Metadata(context.HttpContext), modelStateAvailable: false).ConfigureAwait(false);
        return outcome.Rejection ?? await next(context).ConfigureAwait(false);
    }
}
