using System.Text.Json.Nodes;
using CrafyCaptcha.AspNetCore.TagHelpers;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// The plain-HTML/SPA path (<c>MapCrafyWidgetSettings</c>): <c>GET ?policy=login</c> answers what the tag helper writes
/// into a page for one widget — the <c>CrafyCAPTCHA.init</c> arguments (public key, public token, signing public key,
/// options with a fresh first <c>eo</c>, internal options), the widget script's URL, the token's field and header, and
/// this visitor's antiforgery token — as JSON, for a page that Razor and Blazor do not render. Public values only. The
/// <c>eo</c> comes out of the same per-client budget as the options endpoint's (when it is spent the answer has none,
/// and the widget asks the options endpoint, which answers 429); the visitor cookie is set with it. Never cached.
/// </summary>
internal sealed class WidgetSettingsEndpoint(
    IOptions<CrafyCaptchaOptions> captchaOptions,
    IOptions<CrafyCaptchaHttpOptions> options,
    IOptions<AntiforgeryOptions> antiforgeryOptions,
    IAntiforgery antiforgery,
    CrafyCaptchaWidgetRenderer renderer)
{
    public const string EndpointName = "CrafyCaptchaWidgetSettings";

    public async Task<IResult> HandleAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.CacheControl = "no-store";
        FlowIssuer.KeepOutOfOutputCache(httpContext);
        CrafyCaptchaHttpOptions http = options.Value;
        string policyName = httpContext.Request.Query["policy"] is { Count: 1 } p && !string.IsNullOrEmpty(p[0]) ? p[0]! : CrafyCaptchaHttpOptions.DefaultPolicyName;
        if (!http.TryGetPolicy(policyName, out CrafyFlowPolicy policy))
        {
            return CrafyCaptchaGate.Problem(StatusCodes.Status400BadRequest, CrafyCaptchaErrorCodes.UnknownPolicy, "Unknown captcha policy.");
        }

        CrafyCaptchaWidgetRenderer.WidgetInit init = await renderer.CreateInitAsync(httpContext, policy, policyName, policy.FormFieldName, theme: null, withEo: true, cspNonce: null).ConfigureAwait(false);
        AntiforgeryTokenSet tokens = antiforgery.GetAndStoreTokens(httpContext);
        var settings = new JsonObject
        {
            ["policy"] = policyName,
            ["publicKey"] = captchaOptions.Value.PublicKey ?? string.Empty,
            ["publicToken"] = init.PublicToken,
            ["signingPublicKey"] = captchaOptions.Value.SigningPublicKey ?? string.Empty,
            ["scriptUrl"] = CrafyCaptchaWidgetRenderer.WidgetScript(httpContext, httpContext.Request.PathBase, http.WidgetScriptUrl),
            ["options"] = init.Options,
            ["internalOptions"] = init.InternalOptions,
            ["tokenHeaderName"] = http.HeaderName,
            ["antiforgery"] = new JsonObject
            {
                ["formFieldName"] = tokens.FormFieldName,
                ["headerName"] = tokens.HeaderName ?? antiforgeryOptions.Value.HeaderName,
                ["requestToken"] = tokens.RequestToken,
            },
        };
        return Results.Text(settings.ToJsonString(), "application/json; charset=utf-8");
    }
}
