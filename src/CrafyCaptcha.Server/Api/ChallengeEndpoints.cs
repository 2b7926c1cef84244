using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using RequestBodyLimit = CrafyCaptcha.AspNetCore.Internal.RequestBodyLimit;
using CrafyCaptcha.Server.Credentials;
using CrafyCaptcha.Server.Flows;
using CrafyCaptcha.Server.Internal;
using CrafyCaptcha.Server.Pow;
using CrafyCaptcha.Server.Protocol;
using CrafyCaptcha.Server.Risk;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Api;

/// <summary>
/// The engine's HTTP surface: the iframe page (the widget's hidden-form POST), the proof-of-work answer, the iframe's
/// scripts, and the signed Turnstile site-key document the official widget asks for.
/// </summary>
internal sealed class ChallengeEndpoints(
    CredentialStore credentials,
    FlowRepository flows,
    IOptions<ChallengeServerOptions> options,
    TimeProvider timeProvider,
    ILogger<ChallengeEndpoints> logger)
{
    private const int MaxEoLength = 8192;

    private readonly System.Threading.RateLimiting.PartitionedRateLimiter<IPAddress> _authenticateLimiter =
        System.Threading.RateLimiting.PartitionedRateLimiter.CreateChained(
            System.Threading.RateLimiting.PartitionedRateLimiter.Create<IPAddress, IPAddress>(ip => System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter(ip, _ => new System.Threading.RateLimiting.FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) })),
            System.Threading.RateLimiting.PartitionedRateLimiter.Create<IPAddress, IPAddress>(ip => System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter(ip, _ => new System.Threading.RateLimiting.FixedWindowRateLimiterOptions { PermitLimit = 2, Window = TimeSpan.FromSeconds(1) })));
    private const long MaxChallengeBody = 32 * 1024;
    private const long MaxVerifyBody = 4 * 1024;
    private readonly ChallengeServerOptions _options = options.Value;

    /// <summary><c>POST {base}/challenge/</c>: fields <c>pt</c>, <c>cdweo</c>, <c>theme</c>, <c>bg</c>, <c>text</c>, <c>primary</c>, <c>border</c>, <c>parent_origin</c>.</summary>
    public async Task<IResult> ChallengeAsync(HttpContext http)
    {
        if (!RequestBodyLimit.TryApply(http, MaxChallengeBody))
        {
            return ErrorPage(http, HttpStatusCode.RequestEntityTooLarge, "The challenge request is too large.", null);
        }

        if (!http.Request.HasFormContentType)
        {
            return ErrorPage(http, HttpStatusCode.BadRequest, "This address is the CrafyCAPTCHA challenge; it is opened by the widget, not directly.", null);
        }

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return ErrorPage(http, HttpStatusCode.BadRequest, "The challenge request could not be read.", null);
        }

        string? parentOrigin = NormaliseOrigin(form["parent_origin"]);
        if (parentOrigin is null)
        {
            return ErrorPage(http, HttpStatusCode.BadRequest, "The page that embeds this challenge did not say where it is (parent_origin).", null);
        }

        string? requestOrigin = http.Request.Headers.Origin;
        if (!string.IsNullOrEmpty(requestOrigin) && requestOrigin != "null" && !string.Equals(NormaliseOrigin(requestOrigin), parentOrigin, StringComparison.Ordinal))
        {
            Log.Refused(logger, "origin header differs from parent_origin");
            return ErrorPage(http, HttpStatusCode.Forbidden, "The challenge was requested from another site than the one it claims.", null);
        }

        ServedCredential? credential = credentials.FindByPublicToken(form["pt"]);
        if (credential is null)
        {
            Log.Refused(logger, "unknown public token");
            return ErrorPage(http, HttpStatusCode.Forbidden, "Unknown site key: the public token is not valid (was the credential's plan changed?).", parentOrigin);
        }

        string host = new Uri(parentOrigin).Host;
        if (!credential.AllowsHost(host))
        {
            Log.Refused(logger, "domain not allowed");
            return ErrorPage(http, HttpStatusCode.Forbidden, $"The domain {host} is not allowed for this credential. Add it to the credential's domains.", parentOrigin);
        }

        (string? eo, JsonElement? telemetry) = ReadCdweo(form["cdweo"]);
        if (eo is null || eo.Length > MaxEoLength || !credential.SecretBox.TryOpen(eo, out byte[]? plaintext))
        {
            Log.Refused(logger, "eo does not open with the credential's secret");
            return ErrorPage(http, HttpStatusCode.BadRequest, "The challenge options are invalid for this site (they were made with another secret key, or altered).", parentOrigin);
        }

        if (!TryReadOptions(plaintext, out string? nonce, out string mode))
        {
            return ErrorPage(http, HttpStatusCode.BadRequest, "The challenge options carry no valid nonce.", parentOrigin);
        }

        if (await flows.IsSpentAsync(nonce, http.RequestAborted).ConfigureAwait(false))
        {
            return ErrorPage(http, HttpStatusCode.Gone, "This challenge was already completed. Reload the page for a new one.", parentOrigin);
        }

        DateTimeOffset now = timeProvider.GetUtcNow();
        double risk = RiskScorer.Score(http.Request, telemetry);
        bool checkbox = mode == "puzzle" || (mode != "hidden" && risk >= _options.CheckboxRiskThreshold);
        string flowToken = Guid.NewGuid().ToString();
        var record = new FlowRecord(credential.Credential.PublicKey, nonce, mode, risk, checkbox, parentOrigin, host);
        int maxNumber = (int)Math.Min(int.MaxValue, _options.PowMaxNumber * (1 + (9 * risk)));
        PowChallenge pow = PowChallenge.Create(credential.PowKey, flowToken, credential.Credential.PublicKey, maxNumber, now + _options.PowLifetime);
        try
        {
            await flows.SaveAsync(flowToken, record, _options.FlowLifetime, http.RequestAborted).ConfigureAwait(false);
            await flows.SavePowAsync(pow.Challenge, _options.PowLifetime, http.RequestAborted).ConfigureAwait(false);
        }
        catch (NonceStoreUnavailableException)
        {
            return ErrorPage(http, HttpStatusCode.ServiceUnavailable, "The challenge is temporarily unavailable. Try again in a moment.", parentOrigin);
        }

        Log.FlowStarted(logger, mode, risk, checkbox);
        SignedMessage handshake = ChallengeMessages.Handshake(credential, flowToken, now);
        return ChallengePage(http, parentOrigin, form, flowToken, pow, checkbox, handshake);
    }

    /// <summary><c>POST {base}/challenge/verify</c>: <c>{"flow_token", "pow": {algorithm, challenge, number, salt, signature}, "checkbox": bool}</c>.</summary>
    public async Task<IResult> VerifyAsync(HttpContext http)
    {
        if (!RequestBodyLimit.TryApply(http, MaxVerifyBody))
        {
            return Error("too_large", StatusCodes.Status413PayloadTooLarge);
        }

        VerifyRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync(ChallengeJson.Default.VerifyRequest, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return Error("bad_request", StatusCodes.Status400BadRequest);
        }

        if (request is not { FlowToken: { Length: > 0 } flowToken, Pow: { Challenge: { } challenge, Salt: { } salt, Signature: { } signature } solution })
        {
            return Error("bad_request", StatusCodes.Status400BadRequest);
        }

        ServedCredential? credential = credentials.FindByPublicKey(PowChallenge.SaltParameter(salt, "pk"));
        if (credential is null
            || solution.Algorithm != PowChallenge.Sha256
            || !FixedTimeEquals(PowChallenge.Sign(credential.PowKey, challenge), signature))
        {
            return Error("pow_invalid", StatusCodes.Status400BadRequest);
        }

        if (PowChallenge.SaltParameter(salt, "flow") != flowToken)
        {
            return Error("pow_other_flow", StatusCodes.Status400BadRequest);
        }

        if (!long.TryParse(PowChallenge.SaltParameter(salt, "expires"), out long expires) || timeProvider.GetUtcNow().ToUnixTimeSeconds() > expires)
        {
            return Error("pow_expired", StatusCodes.Status400BadRequest);
        }

        if (solution.Number < 0 || PowChallenge.Hash(salt, solution.Number) != challenge)
        {
            return Error("pow_wrong_answer", StatusCodes.Status400BadRequest);
        }

        try
        {
            if (!await flows.UsePowAsync(challenge, http.RequestAborted).ConfigureAwait(false))
            {
                return Error("pow_replayed", StatusCodes.Status409Conflict);
            }

            FlowRecord? flow = await flows.TakeAsync(flowToken, http.RequestAborted).ConfigureAwait(false);
            if (flow is null || flow.PublicKey != credential.Credential.PublicKey || await flows.IsSpentAsync(flow.Nonce, http.RequestAborted).ConfigureAwait(false))
            {
                return Error("flow_unknown_or_spent", StatusCodes.Status410Gone);
            }

            if (flow.NeedsCheckbox && request.Checkbox != true)
            {
                return Error("checkbox_required", StatusCodes.Status400BadRequest);
            }

            DateTimeOffset expiresAt = timeProvider.GetUtcNow() + _options.TokenLifetime;
            SignedMessage complete = ChallengeMessages.Complete(credential, flow, flowToken, expiresAt);
            await flows.MarkSpentAsync(flow.Nonce, TimeSpan.FromMinutes(20), http.RequestAborted).ConfigureAwait(false);
            Log.TokenIssued(logger, flow.Risk);
            return TypedResults.Json(new CompleteResponse(complete.Payload, complete.Signature, complete.ServerSign!), ChallengeJson.Default.CompleteResponse);
        }
        catch (NonceStoreUnavailableException)
        {
            return Error("unavailable", StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary><c>GET {base}/api/turnstile_site_key.php?pk=…</c>: the signed "no Turnstile" document, with CORS.</summary>
    public IResult SiteKey(HttpContext http)
    {
        http.Response.Headers.AccessControlAllowOrigin = "*";
        ServedCredential? credential = credentials.FindByPublicKey(http.Request.Query["pk"]);
        if (credential is null)
        {
            return TypedResults.Json(new SiteKeyResponse("error", "Unknown public key.", null), ChallengeJson.Default.SiteKeyResponse, statusCode: StatusCodes.Status404NotFound);
        }

        SignedMessage message = ChallengeMessages.SiteKey(credential);
        return TypedResults.Json(new SiteKeyResponse("success", null, new SiteKeyData(message.Payload, message.Signature)), ChallengeJson.Default.SiteKeyResponse);
    }

    /// <summary>
    /// <c>POST {base}/api/?action=authenticate</c> with <c>{"public_key","secret_key"}</c>: the REST call the SDKs make for
    /// the Public Token. Answers the protocol's envelope; the bearer token is an opaque, HMAC-signed value (this engine
    /// has no bearer-protected calls yet). Limited per client IP as the hosted API is (10/min, 2/s).
    /// </summary>
    public async Task<IResult> ApiAsync(HttpContext http)
    {
        if (http.Request.Query["action"] != "authenticate")
        {
            return ApiError(StatusCodes.Status400BadRequest, "Unknown action.");
        }

        using System.Threading.RateLimiting.RateLimitLease lease = _authenticateLimiter.AttemptAcquire(http.Connection.RemoteIpAddress ?? IPAddress.None);
        if (!lease.IsAcquired)
        {
            http.Response.Headers.RetryAfter = "60";
            return ApiError(StatusCodes.Status429TooManyRequests, "Too many requests.");
        }

        if (!RequestBodyLimit.TryApply(http, MaxVerifyBody))
        {
            return ApiError(StatusCodes.Status413PayloadTooLarge, "Request too large.");
        }

        AuthenticateBody? body;
        try
        {
            body = await http.Request.ReadFromJsonAsync(ChallengeJson.Default.AuthenticateBody, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return ApiError(StatusCodes.Status400BadRequest, "The body must be JSON with public_key and secret_key.");
        }

        ServedCredential? credential = credentials.FindByPublicKey(body?.PublicKey);
        if (credential is null || body?.SecretKey is null || !FixedTimeEquals(credential.Credential.SecretKey, body.SecretKey))
        {
            Log.Refused(logger, "authenticate with wrong credentials");
            return ApiError(StatusCodes.Status401Unauthorized, "Invalid credentials.");
        }

        const int ExpiresIn = 3600;
        long expires = timeProvider.GetUtcNow().ToUnixTimeSeconds() + ExpiresIn;
        string claims = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{credential.Credential.PublicKey}.{expires}");
        string bearer = claims + "." + PowChallenge.Sign(credential.PowKey, "bearer:" + claims);
        return TypedResults.Json(new AuthenticateEnvelope("success", new AuthenticateResult(bearer, credential.Credential.PublicToken, ExpiresIn)), ChallengeJson.Default.AuthenticateEnvelope);
    }

    private static IResult ApiError(int status, string message)
        => TypedResults.Json(new SiteKeyResponse("error", message, null), ChallengeJson.Default.SiteKeyResponse, statusCode: status);

    /// <summary><c>GET {base}/challenge/assets/{name}</c>: the iframe's scripts (embedded in this assembly).</summary>
    public IResult Asset(string name)
    {
        if (name is not ("challenge.js" or "pow-worker.js"))
        {
            return Results.NotFound();
        }

        Stream? stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("CrafyCaptcha.Server.Assets." + name);
        return stream is null ? Results.NotFound() : Results.Stream(stream, "text/javascript; charset=utf-8");
    }

    private static (string? Eo, JsonElement? Telemetry) ReadCdweo(string? cdweo)
    {
        if (string.IsNullOrEmpty(cdweo))
        {
            return (null, null);
        }

        if (!cdweo.TrimStart().StartsWith('{'))
        {
            return (cdweo.Trim(), null);
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(cdweo, new JsonDocumentOptions { MaxDepth = 16 });
            JsonElement root = document.RootElement;
            string? eo = root.TryGetProperty("eo", out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            JsonElement? telemetry = root.TryGetProperty("telemetry", out JsonElement t) ? t.Clone() : null;
            return (eo, telemetry);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static bool TryReadOptions(byte[] plaintext, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? nonce, out string mode)
    {
        nonce = null;
        mode = "auto";
        try
        {
            using JsonDocument document = JsonDocument.Parse(plaintext);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            if (root.TryGetProperty("mode", out JsonElement m) && m.GetString() is "hidden" or "puzzle" or "auto")
            {
                mode = m.GetString()!;
            }

            nonce = root.TryGetProperty("nonce", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            return nonce is not null && CrafyCaptcha.Protocol.CaptchaTokenReader.IsLowercaseHex(Encoding.ASCII.GetBytes(nonce), 64);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? NormaliseOrigin(string? value)
    {
        if (string.IsNullOrEmpty(value) || !Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https")
            || (uri.AbsolutePath != "/" && uri.AbsolutePath.Length > 0) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return null;
        }

        return uri.GetLeftPart(UriPartial.Authority);
    }

    private static bool FixedTimeEquals(string a, string b)
        => System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static IResult Error(string code, int status)
        => TypedResults.Json(new ErrorResponse(code), ChallengeJson.Default.ErrorResponse, statusCode: status);

    private static void SecurityHeaders(HttpContext http, string? frameAncestor)
    {
        http.Response.Headers.ContentSecurityPolicy =
            "default-src 'none'; script-src 'self'; connect-src 'self'; worker-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
            + $"frame-ancestors {frameAncestor ?? "'none'"}";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
    }

    private static IResult ErrorPage(HttpContext http, HttpStatusCode status, string message, string? frameAncestor)
    {
        SecurityHeaders(http, frameAncestor);
        string html = $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>CrafyCAPTCHA</title></head><body style=\"font:14px system-ui,sans-serif;color:#b91c1c;margin:12px\"><p role=\"alert\" id=\"crafy-error\">{HtmlEncoder.Default.Encode(message)}</p></body></html>";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, (int)status);
    }

    // Only the interactive step: no box, no background (transparent inside the widget's box), no visible state text
    // (#status is for screen readers; the widget shows the state). Without a checkbox nothing is drawn: height 0.
    private const string PageCss =
        "html,body{background:transparent}body{margin:0;font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--text)}"
        + ".box{display:flex;align-items:center;min-height:24px;padding:4px 3px}body[data-checkbox=false] .box{display:none}"
        + "button{display:flex;align-items:center;gap:10px;width:100%;margin:0;padding:0;border:0;border-radius:4px;background:transparent;color:inherit;font:inherit;text-align:left;cursor:pointer}"
        + "button:disabled{cursor:default}button:focus-visible{outline:2px solid var(--primary);outline-offset:2px}"
        + ".tick,.spin{box-sizing:border-box;flex:none;width:22px;height:22px;border:2px solid var(--primary)}"
        + ".tick{display:inline-flex;align-items:center;justify-content:center;border-radius:4px}"
        + ".done .tick{background:var(--primary)}.done .tick::after{content:'';width:5px;height:10px;margin-top:-2px;border:solid #fff;border-width:0 2px 2px 0;transform:rotate(45deg)}"
        + ".spin{display:none;border-color:var(--border);border-top-color:var(--primary);border-radius:50%;animation:r .9s linear infinite}"
        + ".busy .tick{display:none}.busy .spin{display:inline-block}"
        + ".sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}"
        + "@keyframes r{to{transform:rotate(360deg)}}";

    private static IResult ChallengePage(HttpContext http, string parentOrigin, IFormCollection form, string flowToken, PowChallenge pow, bool checkbox, SignedMessage handshake)
    {
        SecurityHeaders(http, parentOrigin);
        string Attr(string value) => HtmlEncoder.Default.Encode(value);
        string Colour(string field, string fallback) => form[field].ToString() is { } c && System.Text.RegularExpressions.Regex.IsMatch(c, "^#[0-9a-fA-F]{3,8}$") ? c : fallback;
        bool dark = form["theme"] == "dark";
        string bg = Colour("bg", dark ? "#1f2937" : "#f9fafb");
        string text = Colour("text", dark ? "#e5e7eb" : "#374151");
        string primary = Colour("primary", "#2563eb");
        string border = Colour("border", dark ? "#4b5563" : "#d1d5db");
        string basePath = http.Request.PathBase + http.Request.Path.ToString().TrimEnd('/');
        string html = $$"""
            <!DOCTYPE html>
            <html lang="en" style="color-scheme:{{(form["theme"] == "auto" ? "light dark" : dark ? "dark" : "light")}}"><head><meta charset="utf-8"><title>CrafyCAPTCHA</title>
            <style>{{PageCss}}</style></head>
            <body style="--bg:{{bg}};--text:{{text}};--primary:{{primary}};--border:{{border}}" data-flow-token="{{Attr(flowToken)}}" data-parent-origin="{{Attr(parentOrigin)}}" data-verify-url="{{Attr(basePath + "/verify")}}"
             data-checkbox="{{(checkbox ? "true" : "false")}}" data-pow="{{Attr(JsonSerializer.Serialize(pow, ChallengeJson.Default.PowChallenge))}}"
             data-handshake-payload="{{Attr(handshake.Payload)}}" data-handshake-signature="{{Attr(handshake.Signature)}}" data-worker-url="{{Attr(basePath + "/assets/pow-worker.js")}}">
            <div class="box" id="box"><button type="button" id="check" aria-describedby="status"{{(checkbox ? string.Empty : " disabled")}}><span class="tick" aria-hidden="true"></span><span class="spin" id="spin" aria-hidden="true"></span><span id="label">I am human</span></button>
            <span class="sr" id="status" role="status" aria-live="polite"></span></div>
            <script src="{{Attr(basePath + "/assets/challenge.js")}}"></script></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8);
    }
}
