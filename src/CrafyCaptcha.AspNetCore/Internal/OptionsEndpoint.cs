using System.Text.Json;
using CrafyCaptcha.Shared;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// The widget's <c>optionsUrl</c>: <c>POST {"action":"get_options","policy":"login"}</c> answers <c>{"eo":"…"}</c>.
/// Each call creates a flow (a nonce in the store, a unit of quota), so the endpoint checks antiforgery and limits
/// each client IP; responses are never cached.
/// </summary>
internal sealed class OptionsEndpoint
{
    public const string EndpointName = "CrafyCaptchaOptions";
    private const int MaxBodyBytes = 4096;
    private const string AntiforgeryBodyField = "__RequestVerificationToken";

    private readonly FlowIssuer _flows;
    private readonly CrafyCaptchaHttpOptions _options;
    private readonly IAntiforgery _antiforgery;
    private readonly AntiforgeryOptions _antiforgeryOptions;
    private readonly ILogger _logger;

    public OptionsEndpoint(
        FlowIssuer flows,
        IOptions<CrafyCaptchaHttpOptions> options,
        IAntiforgery antiforgery,
        IOptions<AntiforgeryOptions> antiforgeryOptions,
        ILogger<OptionsEndpoint> logger)
    {
        _flows = flows;
        _options = options.Value;
        _antiforgery = antiforgery;
        _antiforgeryOptions = antiforgeryOptions.Value;
        _logger = logger;
    }

    public async Task<IResult> HandleAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.CacheControl = "no-store";
        if (!RequestBodyLimit.TryApply(httpContext, MaxBodyBytes))
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "captcha_options_bad_request", "The request body is too large.");
        }

        JsonElement body;
        try
        {
            using JsonDocument document = await JsonDocument.ParseAsync(httpContext.Request.Body, cancellationToken: httpContext.RequestAborted).ConfigureAwait(false);
            body = document.RootElement.Clone();
        }
        catch (Exception ex) when (ex is JsonException or BadHttpRequestException)
        {
            return Problem(StatusCodes.Status400BadRequest, "captcha_options_bad_request", "The request body must be a JSON object with \"action\": \"get_options\".");
        }

        if (body.ValueKind != JsonValueKind.Object
            || !body.TryGetProperty("action", out JsonElement action)
            || action.ValueKind != JsonValueKind.String
            || action.GetString() != "get_options")
        {
            return Problem(StatusCodes.Status400BadRequest, "captcha_options_bad_request", "The request body must be a JSON object with \"action\": \"get_options\".");
        }

        if (_options.OptionsEndpointRequiresAntiforgery && !await IsAntiforgeryValidAsync(httpContext, body).ConfigureAwait(false))
        {
            Log.OptionsRefused(_logger, "antiforgery token missing or invalid");
            return Problem(StatusCodes.Status400BadRequest, "captcha_options_antiforgery", "The antiforgery token is missing or invalid; reload the page.");
        }

        // Only requests that would create a flow spend the client's budget: garbage costs it nothing, so a page that
        // was sent junk by someone else on its network still gets its flows.
        if (!_flows.TryTake(httpContext.Connection.RemoteIpAddress))
        {
            Log.OptionsRefused(_logger, "rate limit");
            httpContext.Response.Headers.RetryAfter = "60";
            return Problem(StatusCodes.Status429TooManyRequests, "captcha_options_rate_limited", "Too many captcha requests from this client; try again in a minute.");
        }

        string? policyName = body.TryGetProperty("policy", out JsonElement p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        policyName ??= CrafyCaptchaHttpOptions.DefaultPolicyName;
        if (!_options.TryGetPolicy(policyName, out CrafyFlowPolicy policy))
        {
            return Problem(StatusCodes.Status400BadRequest, CrafyCaptchaErrorCodes.UnknownPolicy, "Unknown captcha policy.");
        }

        string eo;
        try
        {
            eo = await _flows.CreateAsync(httpContext, policy, policyName).ConfigureAwait(false);
        }
        catch (NonceStoreUnavailableException ex)
        {
            Log.FlowStoreUnavailable(_logger, ex);
            return Problem(StatusCodes.Status503ServiceUnavailable, CrafyCaptchaErrorCodes.Unavailable, "The captcha is temporarily unavailable.");
        }

        return TypedResults.Json(new OptionsResponse(eo), OptionsJsonContext.Default.OptionsResponse);
    }

    private async Task<bool> IsAntiforgeryValidAsync(HttpContext httpContext, JsonElement body)
    {
        // The official widget cannot send headers, only body fields: accept the token from the body too.
        if (_antiforgeryOptions.HeaderName is { } headerName
            && string.IsNullOrEmpty(httpContext.Request.Headers[headerName])
            && body.TryGetProperty(AntiforgeryBodyField, out JsonElement token)
            && token.ValueKind == JsonValueKind.String)
        {
            httpContext.Request.Headers[headerName] = token.GetString();
        }

        try
        {
            return await _antiforgery.IsRequestValidAsync(httpContext).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            return false;
        }
    }

    private static IResult Problem(int status, string code, string detail) => CrafyCaptchaGate.Problem(status, code, detail);
}

internal sealed record OptionsResponse(string Eo);

[System.Text.Json.Serialization.JsonSerializable(typeof(OptionsResponse))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class OptionsJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
