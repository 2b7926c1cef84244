using System.Text.Json;
using CrafyCaptcha.Server.Flows;
using CrafyCaptcha.Server.Puzzles;
using RequestBodyLimit = CrafyCaptcha.Shared.RequestBodyLimit;

namespace CrafyCaptcha.Server.Api;

/// <summary>
/// <c>GET {base}/challenge/puzzle/{id}</c>: a puzzle's image, once (a second request is a 404), never cached.
/// <c>POST {base}/challenge/puzzle</c>: <c>{"flow_token", "action": "new" | "accessible"}</c>, a new puzzle or the
/// accessible path's proof-of-work (see <see cref="FlowService.PuzzleActionAsync"/>).
/// </summary>
internal sealed class PuzzleEndpoints(PuzzleService puzzles, FlowService flows)
{
    public async Task<IResult> ImageAsync(HttpContext http, string id)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        try
        {
            byte[]? image = await puzzles.TakeImageAsync(id, http.RequestAborted).ConfigureAwait(false);
            return image is null ? Results.NotFound() : TypedResults.Bytes(image, "image/webp");
        }
        catch (ChallengeStateUnavailableException)
        {
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
    }

    public async Task<IResult> ActAsync(HttpContext http)
    {
        if (!RequestBodyLimit.TryApply(http, 1024))
        {
            return VerifyEndpoint.Error(ChallengeRefusal.TooLarge);
        }

        PuzzleActionRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync(ChallengeJson.Default.PuzzleActionRequest, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return VerifyEndpoint.Error(ChallengeRefusal.BadRequest);
        }

        if (request is not { FlowToken: { Length: > 0 and <= 64 } flowToken, Action: "new" or "accessible" })
        {
            return VerifyEndpoint.Error(ChallengeRefusal.BadRequest);
        }

        try
        {
            PuzzleActionResult result = await flows.PuzzleActionAsync(flowToken, request.Action == "accessible", http.Connection.RemoteIpAddress, http.RequestAborted).ConfigureAwait(false);
            return result.Error is { } error
                ? VerifyEndpoint.Error(error)
                : TypedResults.Json(new PuzzleActionResponse(result.Puzzle, result.Pow), ChallengeJson.Default.PuzzleActionResponse);
        }
        catch (ChallengeStateUnavailableException)
        {
            return VerifyEndpoint.Error(ChallengeRefusal.Unavailable);
        }
    }
}
