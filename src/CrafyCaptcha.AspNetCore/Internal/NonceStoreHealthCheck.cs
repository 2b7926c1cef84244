using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// Healthy when the credential is configured and the nonce store answers. The probe only reads: it consumes a random
/// nonce that was never stored, which a working store must refuse, so that a flood of health probes writes nothing.
/// </summary>
internal sealed class NonceStoreHealthCheck(INonceStore store, IOptions<CrafyCaptchaOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(options.Value.SecretKey))
        {
            return HealthCheckResult.Unhealthy("CrafyCaptcha has no secret key.");
        }

        string probe = CrafyCaptcha.Shared.NonceHex.New();
        try
        {
            NonceConsumption never = await store.TryConsumeAsync(probe, cancellationToken).ConfigureAwait(false);
            return never.Consumed
                ? HealthCheckResult.Unhealthy("The nonce store accepted a nonce that was never stored.")
                : HealthCheckResult.Healthy("The nonce store answers and refuses unknown nonces.");
        }
        catch (NonceStoreUnavailableException ex)
        {
            return HealthCheckResult.Unhealthy("The nonce store is unavailable.", ex);
        }
    }
}
