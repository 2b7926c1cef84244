using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// The global MVC and Razor Pages filter: on unsafe methods of endpoints carrying <see cref="RequireCrafyCaptchaAttribute"/>
/// metadata it records the verification and, on failure, adds a ModelState error. It runs before the
/// <c>[ApiController]</c> model-state filter, which then answers 400 ProblemDetails; other actions re-render their view.
/// </summary>
internal sealed class CrafyCaptchaMvcFilter(CrafyCaptchaRequestVerifier verifier, IOptions<CrafyCaptchaHttpOptions> options) : IAsyncActionFilter, IAsyncPageFilter, IOrderedFilter
{
    private readonly CrafyCaptchaHttpOptions _options = options.Value;

    public int Order => -3000;

    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        await CheckAsync(context.HttpContext, context.ModelState, context.ActionDescriptor.EndpointMetadata).ConfigureAwait(false);
        await next().ConfigureAwait(false);
    }

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        await CheckAsync(context.HttpContext, context.ModelState, context.ActionDescriptor.EndpointMetadata).ConfigureAwait(false);
        await next().ConfigureAwait(false);
    }

    private async Task CheckAsync(HttpContext httpContext, ModelStateDictionary modelState, IList<object> endpointMetadata)
    {
        ICrafyCaptchaMetadata? metadata = CrafyCaptchaRequestVerifier.Metadata(httpContext, endpointMetadata.AsReadOnly());
        if (metadata is not { RequiresCaptcha: true } || !CrafyCaptchaRequestVerifier.IsProtectedMethod(httpContext.Request.Method))
        {
            return;
        }

        ICrafyCaptchaFeature feature = await verifier.VerifyAsync(httpContext, metadata.PolicyName).ConfigureAwait(false);
        if (feature.Verification.IsValid)
        {
            return;
        }

        _options.TryGetPolicy(feature.PolicyName, out CrafyFlowPolicy policy);
        string message = _options.ErrorMessageResolver?.Invoke(httpContext, feature.Verification.Failure) ?? _options.ErrorMessage;
        modelState.AddModelError(_options.ModelStateKey ?? policy.FormFieldName, message);
    }
}
