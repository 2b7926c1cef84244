using CrafyCaptcha.Server.Credentials;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CrafyCaptcha.Server.Api;

/// <summary>What a valid bearer token says: whose credential, and the plan it was issued with.</summary>
internal sealed record BearerClaims(ServedCredential Credential, ApiPlan Plan);

/// <summary>
/// The REST API's bearer: a JWT (HS256) with the credential's public key (<c>pk</c>), its plan (<c>plan</c>), issuer,
/// audience and lifetime, signed with the credential's bearer key (<see cref="ServedCredential.BearerKey"/>: derived
/// with HKDF from the engine's own signing key, never the site's secret, so every instance agrees). Validation reads
/// the claimed <c>pk</c> only to find the key; a token signed for another credential, altered, unsigned
/// (<c>alg: none</c>), of another algorithm or expired (on <see cref="TimeProvider"/> time) is refused.
/// </summary>
internal sealed class ApiBearer(CredentialStore credentials, TimeProvider timeProvider)
{
    /// <summary>How long a bearer token is valid, in seconds (the hosted API's value).</summary>
    public const int LifetimeSeconds = 3600;

    private const string Issuer = "crafycaptcha-engine";
    private const string Audience = "crafycaptcha-api";
    private const string PublicKeyClaim = "pk";
    private const string PlanClaim = "plan";
    private const int MaxTokenLength = 2048;
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false, MaximumTokenSizeInBytes = MaxTokenLength };

    public string Mint(ServedCredential credential, ApiPlan plan)
    {
        DateTime now = timeProvider.GetUtcNow().UtcDateTime;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(LifetimeSeconds),
            Claims = new Dictionary<string, object> { [PublicKeyClaim] = credential.Credential.PublicKey, [PlanClaim] = plan.Name },
            SigningCredentials = new SigningCredentials(credential.BearerKey, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>Validates the <c>Authorization: Bearer …</c> header; <see langword="null"/> for anything but a valid, unexpired bearer of a served credential.</summary>
    public async ValueTask<BearerClaims?> ValidateAsync(string? authorization)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || authorization.Length > Scheme.Length + MaxTokenLength || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string token = authorization[Scheme.Length..].Trim();
        if (!Handler.CanReadToken(token))
        {
            return null;
        }

        JsonWebToken unvalidated;
        try
        {
            unvalidated = Handler.ReadJsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenMalformedException)
        {
            return null;
        }

        if (!unvalidated.TryGetPayloadValue(PublicKeyClaim, out string? publicKey) || credentials.FindByPublicKey(publicKey) is not { } credential)
        {
            return null;
        }

        TokenValidationResult result = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = credential.BearerKey,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.Zero,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                // The engine's clock (TimeProvider), not the machine's: expiry is exact, without skew.
                DateTime now = timeProvider.GetUtcNow().UtcDateTime;
                return notBefore is { } from && expires is { } until && now >= from && now < until;
            },
        }).ConfigureAwait(false);
        if (!result.IsValid
            || !result.Claims.TryGetValue(PublicKeyClaim, out object? pk) || pk is not string signedKey || signedKey != credential.Credential.PublicKey
            || !result.Claims.TryGetValue(PlanClaim, out object? planName) || ApiPlan.Find(planName as string) is not { } plan)
        {
            return null;
        }

        return new BearerClaims(credential, plan);
    }
}
