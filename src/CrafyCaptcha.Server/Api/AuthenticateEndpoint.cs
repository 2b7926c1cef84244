using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using CrafyCaptcha.Server.Credentials;
using CrafyCaptcha.Server.Internal;
using CrafyCaptcha.Server.Pow;
using Microsoft.Extensions.Logging;
using RequestBodyLimit = CrafyCaptcha.Shared.RequestBodyLimit;

namespace CrafyCaptcha.Server.Api;

/// <summary>
/// <c>POST {base}/api/?action=authenticate</c> with <c>{"public_key","secret_key"}</c>: the REST call the SDKs make for
/// the Public Token. Answers the protocol's envelope; the bearer token is an opaque, HMAC-signed value (this engine
/// has no bearer-protected calls yet). Limited per client IP as the hosted API is (10/min, 2/s).
/// </summary>
internal sealed class AuthenticateEndpoint(CredentialStore credentials, TimeProvider timeProvider, ILogger<AuthenticateEndpoint> logger) : IDisposable
{
    /// <summary>How long a bearer token is valid, in seconds (the hosted API's value).</summary>
    internal const int BearerLifetimeSeconds = 3600;

    private readonly PartitionedRateLimiter<IPAddress> _limiter = PartitionedRateLimiter.CreateChained(
        PartitionedRateLimiter.Create<IPAddress, IPAddress>(ip => RateLimitPartition.GetFixedWindowLimiter(ip, _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) })),
        PartitionedRateLimiter.Create<IPAddress, IPAddress>(ip => RateLimitPartition.GetFixedWindowLimiter(ip, _ => new FixedWindowRateLimiterOptions { PermitLimit = 2, Window = TimeSpan.FromSeconds(1) })));

    public async Task<IResult> HandleAsync(HttpContext http)
    {
        if (http.Request.Query["action"] != "authenticate")
        {
            return ApiError(StatusCodes.Status400BadRequest, "Unknown action.");
        }

        using RateLimitLease lease = _limiter.AttemptAcquire(http.Connection.RemoteIpAddress ?? IPAddress.None);
        if (!lease.IsAcquired)
        {
            http.Response.Headers.RetryAfter = "60";
            return ApiError(StatusCodes.Status429TooManyRequests, "Too many requests.");
        }

        if (!RequestBodyLimit.TryApply(http, VerifyEndpoint.MaxBody))
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
        if (credential is null || body?.SecretKey is null || !PowVerifier.FixedTimeEquals(credential.Credential.SecretKey, body.SecretKey))
        {
            Log.Refused(logger, "authenticate with wrong credentials");
            return ApiError(StatusCodes.Status401Unauthorized, "Invalid credentials.");
        }

        string bearer = MintBearer(credential, timeProvider.GetUtcNow().ToUnixTimeSeconds() + BearerLifetimeSeconds);
        return TypedResults.Json(new AuthenticateEnvelope("success", new AuthenticateResult(bearer, credential.Credential.PublicToken, BearerLifetimeSeconds)), ChallengeJson.Default.AuthenticateEnvelope);
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary><c>{pk}.{expires}.{HMAC("bearer:" + pk.expires)}</c> with the credential's derived HMAC key.</summary>
    private static string MintBearer(ServedCredential credential, long expires)
    {
        string claims = string.Create(CultureInfo.InvariantCulture, $"{credential.Credential.PublicKey}.{expires}");
        return claims + "." + PowChallenge.Sign(credential.PowKey, "bearer:" + claims);
    }

    private static IResult ApiError(int status, string message)
        => TypedResults.Json(new SiteKeyResponse("error", message, null), ChallengeJson.Default.SiteKeyResponse, statusCode: status);
}
