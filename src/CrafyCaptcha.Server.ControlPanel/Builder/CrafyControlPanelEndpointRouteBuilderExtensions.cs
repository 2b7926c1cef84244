using CrafyCaptcha.Server.ControlPanel;
using CrafyCaptcha.Server.ControlPanel.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the challenge engine's control panel.</summary>
public static class CrafyControlPanelEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the admin pages under <paramref name="pattern"/>, each requiring the authorization policy named by
    /// <see cref="ControlPanelOptions.AuthorizationPolicy"/> (the host defines it with <c>AddAuthorization</c>). Throws
    /// when no policy is named: the panel is off unless configured.
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="pattern">Where the pages live.</param>
    /// <returns>The group of the panel's endpoints, for further conventions.</returns>
    public static RouteGroupBuilder MapCrafyControlPanel(this IEndpointRouteBuilder endpoints, string pattern = "/crafy/admin")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ControlPanelOptions options = endpoints.ServiceProvider.GetService<IOptions<ControlPanelOptions>>()?.Value
            ?? throw new InvalidOperationException("MapCrafyControlPanel needs builder.Services.AddCrafyControlPanel().");
        if (string.IsNullOrWhiteSpace(options.AuthorizationPolicy))
        {
            throw new InvalidOperationException(
                "The CrafyCaptcha control panel is off: name the authorization policy its pages require in CrafyChallengeServer:ControlPanel:AuthorizationPolicy "
                + "(and define it with builder.Services.AddAuthorization(o => o.AddPolicy(\"<name>\", p => p.RequireRole(\"<admins>\")))).");
        }

        string prefix = "/" + pattern.Trim('/');
        RouteGroupBuilder group = endpoints.MapGroup(prefix);
        group.RequireAuthorization(options.AuthorizationPolicy);
        group.AddEndpointFilter((context, next) =>
        {
            context.HttpContext.Items[ControlPanelPages.BaseKey] = prefix;
            return next(context);
        });
        group.MapGet("/", (HttpContext http, ControlPanelPages pages) => pages.ListAsync(http));
        group.MapGet("/credentials/new", (HttpContext http, ControlPanelPages pages) => pages.NewForm(http));
        group.MapPost("/credentials", (HttpContext http, ControlPanelPages pages) => pages.CreateAsync(http));
        group.MapGet("/credentials/{publicKey}", (HttpContext http, string publicKey, ControlPanelPages pages) => pages.DetailAsync(http, publicKey));
        group.MapPost("/credentials/{publicKey}/domains", (HttpContext http, string publicKey, ControlPanelPages pages) => pages.DomainsAsync(http, publicKey));
        group.MapPost("/credentials/{publicKey}/plan", (HttpContext http, string publicKey, ControlPanelPages pages) => pages.PlanAsync(http, publicKey));
        group.MapPost("/credentials/{publicKey}/rotate", (HttpContext http, string publicKey, ControlPanelPages pages) => pages.RotateAsync(http, publicKey));
        group.MapPost("/credentials/{publicKey}/disable", (HttpContext http, string publicKey, ControlPanelPages pages) => pages.DisableAsync(http, publicKey));
        return group;
    }
}
