using CrafyCaptcha.AspNetCore;
using CrafyCaptcha.AspNetCore.Internal;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Protects minimal-API endpoints and route groups with CrafyCaptcha.</summary>
public static class CrafyCaptchaEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Requires a valid token of <paramref name="policyName"/> on POST, PUT, PATCH and DELETE requests (endpoint
    /// filter + metadata). Failure answers 400 ProblemDetails with a stable <c>code</c> (503 when the store is down).
    /// </summary>
    /// <typeparam name="TBuilder">An endpoint or route group builder.</typeparam>
    /// <param name="builder">The endpoint or group.</param>
    /// <param name="policyName">A policy added with <c>AddFlowPolicy</c>; <see langword="null"/> for the default.</param>
    /// <returns>The builder.</returns>
    public static TBuilder RequireCrafyCaptcha<TBuilder>(this TBuilder builder, string? policyName = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(policyName is null ? new RequireCrafyCaptchaAttribute() : new RequireCrafyCaptchaAttribute(policyName));
        builder.AddEndpointFilter<TBuilder, CrafyCaptchaEndpointFilter>();
        return builder;
    }

    /// <summary>Opts an endpoint out of the captcha required by its group.</summary>
    /// <typeparam name="TBuilder">An endpoint builder.</typeparam>
    /// <param name="builder">The endpoint.</param>
    /// <returns>The builder.</returns>
    public static TBuilder IgnoreCrafyCaptcha<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(new IgnoreCrafyCaptchaAttribute());
        return builder;
    }
}
