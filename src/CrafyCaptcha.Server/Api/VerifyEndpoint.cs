using System.Text.Json;
using CrafyCaptcha.Server.Flows;
using CrafyCaptcha.Server.Pow;
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
            return Error(ChallengeRefusal.TooLarge);
        }

        VerifyRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync(ChallengeJson.Default.VerifyRequest, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return Error(ChallengeRefusal.BadRequest);
        }

        // A SHA-256 answer carries its salt; an Argon2id one (ALTCHA PoW v2) has its salt inside the challenge's parameters.
        if (request is not { FlowToken: { Length: > 0 } flowToken, Pow: { Challenge: not null, Signature: not null } solution }
            || (solution.Salt is null && solution.Algorithm != PowChallenge.Argon2id))
        {
            return Error(ChallengeRefusal.BadRequest);
        }

        FlowAnswerResult result = await flowService.AnswerAsync(new FlowAnswer(flowToken, solution, request.Interaction, http.Connection.RemoteIpAddress, request.Program, request.Puzzle, request.Turnstile, request.PowParts, request.PowSurcharge), http.RequestAborted).ConfigureAwait(false);
        return result.Complete is { } complete
            ? TypedResults.Json(new CompleteResponse(complete.Payload, complete.Signature, complete.ServerSign!), ChallengeJson.Default.CompleteResponse)
            : Error(result.Error ?? ChallengeRefusal.BadRequest, result.Puzzle);
    }

    /// <summary>The wire's answer to a refusal: <c>{"error": code}</c> (and the new puzzle) with its HTTP status. The one place refusals become codes.</summary>
    internal static IResult Error(ChallengeRefusal refusal, Puzzles.PuzzleView? puzzle = null)
    {
        int status = refusal switch
        {
            ChallengeRefusal.TooLarge => StatusCodes.Status413PayloadTooLarge,
            ChallengeRefusal.PowReplayed => StatusCodes.Status409Conflict,
            ChallengeRefusal.RateLimited or ChallengeRefusal.AccessiblePathLimited => StatusCodes.Status429TooManyRequests,
            ChallengeRefusal.FlowUnknownOrSpent or ChallengeRefusal.PuzzleExhausted => StatusCodes.Status410Gone,
            ChallengeRefusal.Unavailable or ChallengeRefusal.TurnstileUnavailable => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status400BadRequest,
        };
        return TypedResults.Json(new ErrorResponse(Code(refusal), puzzle), ChallengeJson.Default.ErrorResponse, statusCode: status);
    }

    /// <summary>The wire's error code of <paramref name="refusal"/> (<c>pow_replayed</c>, <c>flow_unknown_or_spent</c>, …).</summary>
    internal static string Code(ChallengeRefusal refusal) => refusal switch
    {
        ChallengeRefusal.TooLarge => "too_large",
        ChallengeRefusal.BadRequest => "bad_request",
        ChallengeRefusal.PowInvalid => "pow_invalid",
        ChallengeRefusal.PowOtherFlow => "pow_other_flow",
        ChallengeRefusal.PowExpired => "pow_expired",
        ChallengeRefusal.PowWrongAnswer => "pow_wrong_answer",
        ChallengeRefusal.PowIncomplete => "pow_incomplete",
        ChallengeRefusal.PowReplayed => "pow_replayed",
        ChallengeRefusal.PowTooFast => "pow_too_fast",
        ChallengeRefusal.FlowUnknownOrSpent => "flow_unknown_or_spent",
        ChallengeRefusal.ProgramInvalid => "program_invalid",
        ChallengeRefusal.AutomationDetected => "automation_detected",
        ChallengeRefusal.InteractionRequired => "interaction_required",
        ChallengeRefusal.PuzzleWrong => "puzzle_wrong",
        ChallengeRefusal.PuzzleNew => "puzzle_new",
        ChallengeRefusal.PuzzleExhausted => "puzzle_exhausted",
        ChallengeRefusal.AccessiblePathLimited => "accessible_path_limited",
        ChallengeRefusal.RateLimited => "rate_limited",
        ChallengeRefusal.Unavailable => "unavailable",
        ChallengeRefusal.TurnstileMissing => "turnstile_missing",
        ChallengeRefusal.TurnstileInvalid => "turnstile_invalid",
        ChallengeRefusal.TurnstileSpent => "turnstile_spent",
        ChallengeRefusal.TurnstileUnavailable => "turnstile_unavailable",
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, null),
    };
}
