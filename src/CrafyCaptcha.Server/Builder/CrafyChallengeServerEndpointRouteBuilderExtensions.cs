using CrafyCaptcha.Server.Api;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the CrafyCaptcha challenge engine.</summary>
public static class CrafyChallengeServerEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>{pattern}/challenge/</c> (the iframe, POSTed by the widget; a GET gets a 405 refusal page), <c>{pattern}/challenge/verify</c>,
    /// <c>{pattern}/challenge/assets/{name}</c>,
    /// the puzzles' <c>{pattern}/challenge/puzzle</c> and one-time images <c>{pattern}/challenge/puzzle/{id}</c>,
    /// <c>{pattern}/api/turnstile_site_key.php</c> and the REST API
    /// <c>POST {pattern}/api/?action=authenticate</c> and <c>?action=check_flow</c> (so SDK apps can set <c>CrafyCaptcha:ApiBaseUrl</c> to <c>{engine}{pattern}/api</c>).
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="pattern">The mount path (default <c>/crafy</c>).</param>
    /// <returns>The group's builder.</returns>
    public static RouteGroupBuilder MapCrafyChallengeServer(this IEndpointRouteBuilder endpoints, string pattern = "/crafy")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        IServiceProvider services = endpoints.ServiceProvider;
        ChallengePageEndpoint page = services.GetRequiredService<ChallengePageEndpoint>();
        VerifyEndpoint verify = services.GetRequiredService<VerifyEndpoint>();
        SiteKeyEndpoint siteKey = services.GetRequiredService<SiteKeyEndpoint>();
        ApiEndpoint api = services.GetRequiredService<ApiEndpoint>();
        PuzzleEndpoints puzzles = services.GetRequiredService<PuzzleEndpoints>();
        RouteGroupBuilder group = endpoints.MapGroup(pattern);
        group.MapPost("/challenge/", (Func<HttpContext, Task<IResult>>)page.HandleAsync).DisableAntiforgery();
        group.MapGet("/challenge/", (Func<HttpContext, IResult>)ChallengePageEndpoint.RefuseGet);
        group.MapPost("/challenge/verify", (Func<HttpContext, Task<IResult>>)verify.HandleAsync).DisableAntiforgery();
        group.MapGet("/challenge/assets/{name}", (Func<HttpContext, string, IResult>)AssetEndpoints.Asset);
        group.MapGet("/challenge/puzzle/{id}", (Func<HttpContext, string, Task<IResult>>)puzzles.ImageAsync);
        group.MapPost("/challenge/puzzle", (Func<HttpContext, Task<IResult>>)puzzles.ActAsync).DisableAntiforgery();
        group.MapGet("/api/turnstile_site_key.php", (Func<HttpContext, IResult>)siteKey.Handle);
        group.MapPost("/api/", (Func<HttpContext, Task<IResult>>)api.HandleAsync).DisableAntiforgery();
        group.ExcludeFromDescription();
        return group;
    }
}
