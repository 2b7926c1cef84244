namespace CrafyCaptcha.AspNetCore;

/// <summary>
/// Requires a valid CrafyCAPTCHA token on POST, PUT, PATCH and DELETE requests to an MVC controller or action, or a
/// Razor Page model (it is endpoint metadata, read by a filter that <c>AddCrafyCaptcha</c> adds to MVC). On failure a ModelState error is added (the view re-renders with the user's input), so
/// <c>[ApiController]</c> endpoints answer the usual automatic 400 ProblemDetails.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class RequireCrafyCaptchaAttribute : Attribute, ICrafyCaptchaMetadata
{
    /// <summary>Requires a token of the default policy.</summary>
    public RequireCrafyCaptchaAttribute()
    {
    }

    /// <summary>Requires a token of the policy <paramref name="policyName"/>.</summary>
    /// <param name="policyName">A policy added with <c>AddFlowPolicy</c>.</param>
    public RequireCrafyCaptchaAttribute(string policyName)
    {
        PolicyName = policyName;
    }

    /// <inheritdoc />
    public string? PolicyName { get; }

    /// <inheritdoc />
    public bool RequiresCaptcha => true;
}
