using CrafyCaptcha.AspNetCore.Internal;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the CrafyCaptcha options endpoint and the widget settings endpoint.</summary>
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

    /// <summary>
    /// Maps the plain-HTML/SPA path: <c>GET {pattern}?policy=login</c> answers, as JSON, what the tag helper writes into a
    /// page for one widget: <c>publicKey</c>, <c>publicToken</c>, <c>signingPublicKey</c>, <c>scriptUrl</c>,
    /// <c>options</c> (with a fresh first <c>eo</c>) and <c>internalOptions</c> for <c>CrafyCAPTCHA.init</c>, the
    /// token's <c>tokenHeaderName</c> and this visitor's <c>antiforgery</c> token (for a form or a fetch to an endpoint
    /// that checks antiforgery). Public values only; never cached; the <c>eo</c> comes out of the options endpoint's
    /// per-IP budget and binds the flow to the browser's visitor cookie, which the answer sets. Unknown policy: 400
    /// <c>captcha_unknown_policy</c>. Map <see cref="MapCrafyOptions"/> too: the widget's later challenges come from it.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="pattern">The route (default <c>/crafy-settings</c>).</param>
    /// <returns>The endpoint's builder.</returns>
    public static IEndpointConventionBuilder MapCrafyWidgetSettings(this IEndpointRouteBuilder endpoints, string pattern = "/crafy-settings")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        WidgetSettingsEndpoint handler = endpoints.ServiceProvider.GetRequiredService<WidgetSettingsEndpoint>();
        return endpoints.MapGet(pattern, (Func<HttpContext, Task<IResult>>)handler.HandleAsync)
            .WithName(WidgetSettingsEndpoint.EndpointName)
            .ExcludeFromDescription();
    }
}
