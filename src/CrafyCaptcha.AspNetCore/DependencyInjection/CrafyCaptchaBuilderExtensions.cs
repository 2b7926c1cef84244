using CrafyCaptcha.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds named flow policies to CrafyCaptcha.</summary>
public static class CrafyCaptchaBuilderExtensions
{
    /// <summary>Adds (or replaces) the flow policy <paramref name="name"/>, like a rate-limiter policy.</summary>
    /// <param name="builder">The builder from <c>AddCrafyCaptcha</c>.</param>
    /// <param name="name">The policy name used by <c>[RequireCrafyCaptcha("name")]</c>, <c>.RequireCrafyCaptcha("name")</c> and <c>&lt;crafy-captcha policy="name"&gt;</c>.</param>
    /// <param name="configure">Sets the policy's mode, puzzles, form field and risk threshold.</param>
    /// <returns>The builder.</returns>
    public static ICrafyCaptchaBuilder AddFlowPolicy(this ICrafyCaptchaBuilder builder, string name, Action<CrafyFlowPolicy> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure<CrafyCaptchaHttpOptions>(o => o.AddPolicy(name, configure));
        return builder;
    }
}
