using System.Net;
using CrafyCaptcha.Server.Flows;
using CrafyCaptcha.Server.Internal;
using CrafyCaptcha.Server.Rendering;
using CrafyCaptcha.Server.Risk;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RequestBodyLimit = CrafyCaptcha.Shared.RequestBodyLimit;

using CrafyCaptcha.Server.Credentials;

namespace CrafyCaptcha.Server.Api;

/// <summary>
/// <c>POST {base}/challenge/</c> (the widget's hidden-form POST into the iframe): fields <c>pt</c>, <c>cdweo</c>,
/// <c>theme</c>, <c>bg</c>, <c>text</c>, <c>primary</c>, <c>border</c>, <c>parent_origin</c>. Answers the challenge
/// page, or an HTML refusal page with a clear sentence.
/// In the Development environment the pages also carry <c>data-dev-hint</c> (<see cref="RiskHint"/>): their scripts log
/// why the flow got its rung or was refused in the browser console. Never in any other environment.
/// </summary>
internal sealed class ChallengePageEndpoint(FlowService flowService, IHostEnvironment environment, IOptions<ChallengeServerOptions> options, ILogger<ChallengePageEndpoint> logger)
{
    private const long MaxChallengeBody = 32 * 1024;

    /// <summary><c>GET {base}/challenge/</c> (someone opened the address directly): 405 with <c>Allow: POST</c> and a sentence saying why.</summary>
    public static IResult RefuseGet(HttpContext http)
    {
        http.Response.Headers.Allow = "POST";
        return ChallengePageRenderer.ErrorPage(http, HttpStatusCode.MethodNotAllowed, "This address is the CrafyCAPTCHA challenge; it is opened by the widget (with a POST), not directly.", null);
    }

    public async Task<IResult> HandleAsync(HttpContext http)
    {
        if (!RequestBodyLimit.TryApply(http, MaxChallengeBody))
        {
            return ChallengePageRenderer.ErrorPage(http, HttpStatusCode.RequestEntityTooLarge, "The challenge request is too large.", null);
        }

        if (!http.Request.HasFormContentType)
        {
            return ChallengePageRenderer.ErrorPage(http, HttpStatusCode.BadRequest, "This address is the CrafyCAPTCHA challenge; it is opened by the widget, not directly.", null);
        }

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return ChallengePageRenderer.ErrorPage(http, HttpStatusCode.BadRequest, "The challenge request could not be read.", null);
        }

        string? parentOrigin = OriginNormaliser.Normalise(form["parent_origin"]);
        if (parentOrigin is null)
        {
            return ChallengePageRenderer.ErrorPage(http, HttpStatusCode.BadRequest, "The page that embeds this challenge did not say where it is (parent_origin).", null);
        }

        string? requestOrigin = http.Request.Headers.Origin;
        if (!string.IsNullOrEmpty(requestOrigin) && requestOrigin != "null" && !string.Equals(OriginNormaliser.Normalise(requestOrigin), parentOrigin, StringComparison.Ordinal))
        {
            Log.Refused(logger, "origin header differs from parent_origin");
            return ChallengePageRenderer.ErrorPage(http, HttpStatusCode.Forbidden, "The challenge was requested from another site than the one it claims.", null);
        }

        var signals = RiskSignals.From(http);
        FlowOpenResult result = await flowService.OpenAsync(new FlowOpenRequest(form["pt"], form["cdweo"], parentOrigin, signals), http.RequestAborted).ConfigureAwait(false);
        string? hint = !environment.IsDevelopment() ? null
            : result.Assessment is { } assessment ? RiskHint.Describe(assessment, options.Value.Risk, signals.RemoteAddress)
            : result.Error == FlowOpenError.Refused ? RiskHint.LoadBudget(options.Value.Risk, signals.RemoteAddress)
            : null;
        if (result.Flow is not { } flow)
        {
            (HttpStatusCode status, string message) = result.Error switch
            {
                FlowOpenError.UnknownPublicToken => (HttpStatusCode.Forbidden, "Unknown site key: the public token is not valid (was the credential's plan changed?)."),
                FlowOpenError.DomainNotAllowed => (HttpStatusCode.Forbidden, $"The domain {result.Host} is not allowed for this credential. Add it to the credential's domains."),
                FlowOpenError.InvalidOptions => (HttpStatusCode.BadRequest, "The challenge options are invalid for this site (they were made with another secret key, or altered)."),
                FlowOpenError.NoNonce => (HttpStatusCode.BadRequest, "The challenge options carry no valid nonce."),
                FlowOpenError.AlreadySpent => (HttpStatusCode.Gone, "This challenge was already completed. Reload the page for a new one."),
                FlowOpenError.TooManyLoads => (HttpStatusCode.TooManyRequests, "This challenge was loaded too many times. Reload the page for a new one."),
                FlowOpenError.Refused when result.Refusal?.Status == StatusCodes.Status403Forbidden => (HttpStatusCode.Forbidden, "Requests from this network are not accepted."),
                FlowOpenError.Refused => (HttpStatusCode.TooManyRequests, "Too many challenges from this address. Please wait a minute and try again."),
                _ => (HttpStatusCode.ServiceUnavailable, "The challenge is temporarily unavailable. Try again in a moment."),
            };
            if (result.Refusal is { RetryAfter: { } retryAfter } && retryAfter > TimeSpan.Zero)
            {
                http.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return ChallengePageRenderer.ErrorPage(http, status, message, parentOrigin, environment.IsDevelopment() ? hint ?? message : null);
        }

        string basePath = http.Request.PathBase + http.Request.Path.ToString().TrimEnd('/');
        return ChallengePageRenderer.ChallengePage(http, new ChallengePageModel(
            parentOrigin, basePath, flow.FlowToken, System.Text.Json.JsonSerializer.Serialize(flow.Pow, ChallengeJson.Default.PowChallenge), flow.Interactive && flow.Puzzle is null, flow.Handshake,
            form["theme"], form["bg"], form["text"], form["primary"], form["border"],
            flow.ProgramScript, flow.Puzzle, flow.Turnstile,
            flow.Surcharge is { } surcharge ? System.Text.Json.JsonSerializer.Serialize(surcharge, ChallengeJson.Default.PowChallenge) : null, hint,
            flow.Pow.Algorithm == CrafyCaptcha.Server.Pow.PowChallenge.Argon2id));
    }
}
