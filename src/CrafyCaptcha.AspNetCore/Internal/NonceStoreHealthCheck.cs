using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>Healthy when a probe nonce can be stored and consumed once, and the credential is configured.</summary>
internal sealed class NonceStoreHealthCheck(INonceStore store, IOptions<CrafyCaptchaOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(options.Value.SecretKey))
        {
            return HealthCheckResult.Unhealthy("CrafyCaptcha has no secret key.");
        }

        string probe = CrafyCaptcha.Internal.CrafyCaptchaService.NewNonce();
        try
        {
            await store.StoreAsync(probe, null, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            NonceConsumption first = await store.TryConsumeAsync(probe, cancellationToken).ConfigureAwait(false);
            NonceConsumption second = await store.TryConsumeAsync(probe, cancellationToken).ConfigureAwait(false);
            return first.Consumed && !second.Consumed
                ? HealthCheckResult.Healthy("The nonce store stores and consumes nonces once.")
                : HealthCheckResult.Unhealthy("The nonce store does not consume nonces exactly once.");
        }
        catch (NonceStoreUnavailableException ex)
        {
            return HealthCheckResult.Unhealthy("The nonce store is unavailable.", ex);
        }
    }
}
