using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using RequestBodyLimit = CrafyCaptcha.Shared.RequestBodyLimit;

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

    /// <summary>Reads a JSON body of at most <see cref="VerifyEndpoint.MaxBody"/> bytes; on failure, the envelope's error to answer.</summary>
    internal static async Task<(T? Body, IResult? Error)> ReadBodyAsync<T>(HttpContext http, JsonTypeInfo<T> type, string badRequestMessage)
    {
        if (!RequestBodyLimit.TryApply(http, VerifyEndpoint.MaxBody))
        {
            return (default, Error(StatusCodes.Status413PayloadTooLarge, "Request too large."));
        }

        try
        {
            return (await http.Request.ReadFromJsonAsync(type, http.RequestAborted).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return (default, Error(StatusCodes.Status400BadRequest, badRequestMessage));
        }
    }

    /// <summary>The envelope's error: <c>{"status":"error","message":…}</c> with <paramref name="status"/>.</summary>
    internal static IResult Error(int status, string message)
        => TypedResults.Json(new SiteKeyResponse("error", message, null), ChallengeJson.Default.SiteKeyResponse, statusCode: status);
}
