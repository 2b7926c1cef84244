using System.Globalization;
using CrafyCaptcha.Server.Flows;
using CrafyCaptcha.Server.Internal;
using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.Server.Api;

/// <summary>
/// <c>POST {base}/api/?action=check_flow</c> with <c>Authorization: Bearer &lt;JWT&gt;</c> and <c>{"flow_token"}</c>: the
/// seed's alternative validation. Consumes the completed flow atomically (<see cref="FlowService.CheckFlowAsync"/>), so
/// exactly one call answers <c>valid: true</c>; a second call, an unknown, expired, unfinished or other credential's flow
/// is an error. Counted against the bearer's plan (<see cref="PlanLimiter"/>: 429 with <c>Retry-After</c>).
/// </summary>
internal sealed class CheckFlowEndpoint(ApiBearer bearer, PlanLimiter planLimiter, FlowService flows, ILogger<CheckFlowEndpoint> logger)
{
    internal const string ConsumedMessage = "Flow consumed atomically";

    public async Task<IResult> HandleAsync(HttpContext http)
    {
        if (await bearer.ValidateAsync(http.Request.Headers.Authorization).ConfigureAwait(false) is not { } claims)
        {
            Log.Refused(logger, "REST call without a valid bearer token");
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return ApiEndpoint.Error(StatusCodes.Status401Unauthorized, "Invalid or expired token.");
        }

        try
        {
            if (await planLimiter.TryAcquireAsync(claims.Credential.Credential.PublicKey, claims.Plan, http.RequestAborted).ConfigureAwait(false) is { } wait)
            {
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return ApiEndpoint.Error(StatusCodes.Status429TooManyRequests, "Too many requests for this plan.");
            }

            (CheckFlowBody? body, IResult? error) = await ApiEndpoint.ReadBodyAsync(http, ChallengeJson.Default.CheckFlowBody, "The body must be JSON with flow_token.").ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }

            if (body?.FlowToken is not { Length: > 0 and <= 64 } flowToken)
            {
                return ApiEndpoint.Error(StatusCodes.Status400BadRequest, "The body must be JSON with flow_token.");
            }

            if (await flows.CheckFlowAsync(claims.Credential.Credential.PublicKey, flowToken, http.RequestAborted).ConfigureAwait(false) is not { } completed)
            {
                return ApiEndpoint.Error(StatusCodes.Status400BadRequest, "Invalid flow token: unknown, expired, not completed or already used.");
            }

            return TypedResults.Json(new CheckFlowEnvelope("success", new CheckFlowResult(true, completed.Risk, ConsumedMessage)), ChallengeJson.Default.CheckFlowEnvelope);
        }
        catch (ChallengeStateUnavailableException)
        {
            return ApiEndpoint.Error(StatusCodes.Status503ServiceUnavailable, "Service unavailable.");
        }
    }
}
