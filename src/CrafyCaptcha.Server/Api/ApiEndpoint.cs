namespace CrafyCaptcha.Server.Api;

/// <summary>
/// <c>POST {base}/api/?action=…</c>: the REST API of the hosted service, answering the protocol's envelope
/// (<c>{"status":"success","data":{…}}</c> or <c>{"status":"error","message":"…"}</c>). Actions: <c>authenticate</c>
/// (<see cref="AuthenticateEndpoint"/>) and the bearer-protected <c>check_flow</c> (<see cref="CheckFlowEndpoint"/>).
/// </summary>
internal sealed class ApiEndpoint(AuthenticateEndpoint authenticate, CheckFlowEndpoint checkFlow)
{
    public Task<IResult> HandleAsync(HttpContext http)
        => http.Request.Query["action"].ToString() switch
        {
            "authenticate" => authenticate.HandleAsync(http),
            "check_flow" => checkFlow.HandleAsync(http),
            _ => Task.FromResult(Error(StatusCodes.Status400BadRequest, "Unknown action.")),
        };

    /// <summary>The envelope's error: <c>{"status":"error","message":…}</c> with <paramref name="status"/>.</summary>
    internal static IResult Error(int status, string message)
        => TypedResults.Json(new SiteKeyResponse("error", message, null), ChallengeJson.Default.SiteKeyResponse, statusCode: status);
}
