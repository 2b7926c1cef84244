using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Mvc.Abstractions;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// <c>UseCrafyCaptcha()</c>, as <c>UseAntiforgery()</c>: for an endpoint carrying <see cref="ICrafyCaptchaMetadata"/>
/// it verifies the token of an unsafe request once (the <see cref="ICrafyCaptchaFeature"/>) before the endpoint runs.
/// A Razor component page may be in ModelState mode: the failure is recorded and the page renders, where the
/// <c>&lt;CrafyCaptcha&gt;</c> component turns it into an <c>EditContext</c> validation message (the form keeps its
/// input and <c>OnValidSubmit</c> does not run). Any other failure is the policy's rejection (400/503 ProblemDetails,
/// or the <c>OnRejected</c> hook). MVC actions and Razor Pages are left to the MVC filter, which knows their ModelState.
/// A Razor component page read with GET gets the browser's visitor cookie (<see cref="CrafyFlowPolicy.BindToVisitor"/>)
/// before its circuit connects.
/// </summary>
internal sealed class CrafyCaptchaMiddleware(RequestDelegate next, CrafyCaptchaGate gate)
{
    /// <summary>Set on every request that went through this middleware (the component fails closed without it).</summary>
    internal static readonly object RanKey = new();

    public async Task InvokeAsync(HttpContext httpContext)
    {
        httpContext.Items[RanKey] = true;
        Endpoint? endpoint = httpContext.GetEndpoint();
        if (endpoint is not null && endpoint.Metadata.GetMetadata<ActionDescriptor>() is null)
        {
            bool component = endpoint.Metadata.GetMetadata<ComponentTypeMetadata>() is not null;
            if (component && (HttpMethods.IsGet(httpContext.Request.Method) || HttpMethods.IsHead(httpContext.Request.Method)))
            {
                // A Blazor page's interactive forms are verified on its circuit, whose connection carries the cookies the
                // browser had when it connected: the visitor cookie must exist before that, whatever the page shows.
                VisitorCookie.GetOrCreate(httpContext);
            }

            CrafyCaptchaOutcome outcome = await gate.CheckAsync(httpContext, endpoint.Metadata.GetMetadata<ICrafyCaptchaMetadata>(), modelStateAvailable: component).ConfigureAwait(false);
            if (outcome.Rejection is { } rejection)
            {
                await rejection.ExecuteAsync(httpContext).ConfigureAwait(false);
                return;
            }
        }

        await next(httpContext).ConfigureAwait(false);
    }
}
