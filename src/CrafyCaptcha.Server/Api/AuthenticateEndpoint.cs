using System.Net;
using System.Threading.RateLimiting;
using CrafyCaptcha.Server.Credentials;
using CrafyCaptcha.Server.Internal;
using CrafyCaptcha.Server.Pow;
using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.Server.Api;

/// <summary>
/// <c>POST {base}/api/?action=authenticate</c> with <c>{"public_key","secret_key"}</c>: answers a JWT bearer
/// (<see cref="ApiBearer"/>: public key, plan, expiry), its <c>expires_in</c> and the credential's current Public Token,
/// in the protocol's envelope. Limited per client IP as the hosted API is (10/min, 2/s).
/// </summary>
internal sealed class AuthenticateEndpoint(CredentialStore credentials, ApiBearer bearer, ILogger<AuthenticateEndpoint> logger) : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress> _limiter = PartitionedRateLimiter.CreateChained(
        PartitionedRateLimiter.Create<IPAddress, IPAddress>(ip => RateLimitPartition.GetFixedWindowLimiter(ip, _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) })),
        PartitionedRateLimiter.Create<IPAddress, IPAddress>(ip => RateLimitPartition.GetFixedWindowLimiter(ip, _ => new FixedWindowRateLimiterOptions { PermitLimit = 2, Window = TimeSpan.FromSeconds(1) })));

    public async Task<IResult> HandleAsync(HttpContext http)
    {
        using RateLimitLease lease = _limiter.AttemptAcquire(http.Connection.RemoteIpAddress ?? IPAddress.None);
        if (!lease.IsAcquired)
        {
            http.Response.Headers.RetryAfter = "60";
            return ApiEndpoint.Error(StatusCodes.Status429TooManyRequests, "Too many requests.");
        }

        (AuthenticateBody? body, IResult? error) = await ApiEndpoint.ReadBodyAsync(http, ChallengeJson.Default.AuthenticateBody, "The body must be JSON with public_key and secret_key.").ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        ServedCredential? credential = credentials.FindByPublicKey(body?.PublicKey);
        if (credential is null || body?.SecretKey is null || !PowVerifier.FixedTimeEquals(credential.Credential.SecretKey, body.SecretKey))
        {
            Log.Refused(logger, "authenticate with wrong credentials");
            return ApiEndpoint.Error(StatusCodes.Status401Unauthorized, "Invalid credentials.");
        }

        string token = bearer.Mint(credential, credential.Plan);
        return TypedResults.Json(new AuthenticateEnvelope("success", new AuthenticateResult(token, credential.Credential.PublicToken, ApiBearer.LifetimeSeconds)), ChallengeJson.Default.AuthenticateEnvelope);
    }

    public void Dispose() => _limiter.Dispose();
}
