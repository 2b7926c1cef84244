using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// The global MVC and Razor Pages filter: on unsafe methods of endpoints carrying <see cref="RequireCrafyCaptchaAttribute"/>
/// metadata it verifies and, on failure, either short-circuits with the policy's rejection
/// (<see cref="CrafyCaptchaFailureMode.Reject"/>, the default: the action does not run) or adds a ModelState error
/// (<see cref="CrafyCaptchaFailureMode.ModelState"/>). It runs before the <c>[ApiController]</c> model-state filter.
/// </summary>
internal sealed class CrafyCaptchaMvcFilter(CrafyCaptchaGate gate) : IAsyncActionFilter, IAsyncPageFilter, IOrderedFilter
{
    public int Order => -3000;

    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        if (await CheckAsync(context.HttpContext, context.ModelState, context.ActionDescriptor.EndpointMetadata).ConfigureAwait(false) is { } rejection)
        {
            context.Result = rejection;
            return;
        }

        await next().ConfigureAwait(false);
    }

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (await CheckAsync(context.HttpContext, context.ModelState, context.ActionDescriptor.EndpointMetadata).ConfigureAwait(false) is { } rejection)
        {
            context.Result = rejection;
            return;
        }

        await next().ConfigureAwait(false);
    }

    private async Task<IActionResult?> CheckAsync(HttpContext httpContext, ModelStateDictionary modelState, IList<object> endpointMetadata)
    {
        ICrafyCaptchaMetadata? metadata = CrafyCaptchaRequestVerifier.Metadata(httpContext, endpointMetadata.AsReadOnly());
        CrafyCaptchaOutcome outcome = await gate.CheckAsync(httpContext, metadata, modelStateAvailable: true).ConfigureAwait(false);
        if (outcome.ModelStateKey is { } key)
        {
            modelState.AddModelError(key, outcome.ModelStateMessage!);
        }

        return outcome.Rejection is { } rejection ? new RejectionResult(rejection) : null;
    }

    /// <summary>The gate's <see cref="IResult"/> as the short-circuit result of an action or page handler.</summary>
    private sealed class RejectionResult(IResult result) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
    }
}
