using CrafyCaptcha.AspNetCore.Internal;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the CrafyCaptcha health check.</summary>
public static class CrafyCaptchaHealthChecksBuilderExtensions
{
    /// <summary>Adds a check that the credential is configured and the nonce store stores and consumes a probe nonce exactly once.</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name (default <c>crafy-captcha</c>).</param>
    /// <param name="tags">Tags for filtering.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddCrafyCaptcha(this IHealthChecksBuilder builder, string name = "crafy-captcha", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<NonceStoreHealthCheck>(name, HealthStatus.Unhealthy, tags ?? []);
    }
}
