using CrafyCaptcha.AspNetCore.Internal;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the CrafyCaptcha options endpoint.</summary>
public static class CrafyCaptchaEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the widget's <c>optionsUrl</c>: <c>POST {"action":"get_options","policy":"login"}</c> answers
    /// <c>{"eo":"…"}</c>. Protected by antiforgery and a per-IP rate limit; never cached. The tag helper finds its
    /// URL by link generation, so any pattern works.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="pattern">The route (default <c>/crafy-options</c>).</param>
    /// <returns>The endpoint's builder.</returns>
    public static IEndpointConventionBuilder MapCrafyOptions(this IEndpointRouteBuilder endpoints, string pattern = "/crafy-options")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        OptionsEndpoint handler = endpoints.ServiceProvider.GetRequiredService<OptionsEndpoint>();
        return endpoints.MapPost(pattern, (Func<HttpContext, Task<IResult>>)handler.HandleAsync)
            .WithName(OptionsEndpoint.EndpointName)
            .DisableAntiforgery()
            .ExcludeFromDescription();
    }
}
