using CrafyCaptcha.Server.Flows;
using CrafyCaptcha.Server.Instrumentation;

namespace CrafyCaptcha.Server.Api;

/// <summary>
/// <c>GET {base}/challenge/program/{id}.js</c>: a flow's instrumentation program, served once (taken from the engine
/// state on the first request, 404 afterwards and for unknown ids), never cached.
/// </summary>
internal sealed class ProgramEndpoint(FlowService flows)
{
    public async Task<IResult> HandleAsync(HttpContext http, string id)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        if (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return Results.NotFound();
        }

        try
        {
            return await flows.TakeProgramAsync(id, http.RequestAborted).ConfigureAwait(false) is { Length: ProgramGenerator.SeedSize } seed
                ? Results.Text(ProgramGenerator.Generate(seed).Script, "text/javascript; charset=utf-8")
                : Results.NotFound();
        }
        catch (ChallengeStateUnavailableException)
        {
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
    }
}
