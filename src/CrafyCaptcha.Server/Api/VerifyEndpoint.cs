using System.Text.Json;
using CrafyCaptcha.Server.Flows;
using RequestBodyLimit = CrafyCaptcha.Shared.RequestBodyLimit;

namespace CrafyCaptcha.Server.Api;

/// <summary>
/// <c>POST {base}/challenge/verify</c>: <c>{"flow_token", "pow": {algorithm, challenge, number, salt, signature}, "interaction": {kind, events}, "program": {v, l, f},
/// "puzzle": {"points": [[x, y], …]}, "turnstile": "&lt;Turnstile token&gt;"}</c> (the token only for a credential with Turnstile). Answers the signed CHALLENGE_COMPLETE message, or <c>{"error": code}</c> with a
/// status (and, for <c>puzzle_new</c>, the new puzzle).
/// </summary>
internal sealed class VerifyEndpoint(FlowService flowService)
{
    internal const long MaxBody = 16 * 1024;

    public async Task<IResult> HandleAsync(HttpContext http)
    {
        if (!RequestBodyLimit.TryApply(http, MaxBody))
        {
            return Error("too_large");
        }

        VerifyRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync(ChallengeJson.Default.VerifyRequest, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return Error("bad_request");
        }

        if (request is not { FlowToken: { Length: > 0 } flowToken, Pow: { Challenge: not null, Salt: not null, Signature: not null } solution })
        {
            return Error("bad_request");
        }

        FlowAnswerResult result = await flowService.AnswerAsync(new FlowAnswer(flowToken, solution, request.Interaction, http.Connection.RemoteIpAddress, request.Program, request.Puzzle, request.Turnstile, request.PowParts), http.RequestAborted).ConfigureAwait(false);
        return result.Complete is { } complete
            ? TypedResults.Json(new CompleteResponse(complete.Payload, complete.Signature, complete.ServerSign!), ChallengeJson.Default.CompleteResponse)
            : Error(result.Error ?? "bad_request", result.Puzzle);
    }

    internal static IResult Error(string code, Puzzles.PuzzleView? puzzle = null)
    {
        int status = code switch
        {
            "too_large" => StatusCodes.Status413PayloadTooLarge,
            "pow_replayed" => StatusCodes.Status409Conflict,
            "rate_limited" => StatusCodes.Status429TooManyRequests,
            "flow_unknown_or_spent" or "puzzle_exhausted" => StatusCodes.Status410Gone,
            "unavailable" or "turnstile_unavailable" => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status400BadRequest,
        };
        return TypedResults.Json(new ErrorResponse(code, puzzle), ChallengeJson.Default.ErrorResponse, statusCode: status);
    }
}
