namespace CrafyCaptcha.AspNetCore;

/// <summary>
/// Requires a valid CrafyCAPTCHA token on POST, PUT, PATCH and DELETE requests to an MVC controller or action, or a
/// Razor Page model (it is endpoint metadata, read by a filter that <c>AddCrafyCaptcha</c> adds to MVC). On failure
/// the policy's <see cref="CrafyFlowPolicy.FailureMode"/> applies: by default the request is rejected before the
/// action runs (400 ProblemDetails with a stable <c>code</c>); in <see cref="CrafyCaptchaFailureMode.ModelState"/> mode a
/// ModelState error is added and the action re-renders its form.
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

    /// <summary>
    /// Pins the failure mode of this action, controller or page, overriding the policy's
    /// <see cref="CrafyFlowPolicy.FailureMode"/>. Reading it when it was not set returns the default,
    /// <see cref="CrafyCaptchaFailureMode.Reject"/>, though the policy's mode then applies. Analyzer CRAFY001 does not
    /// warn where it is pinned to <see cref="CrafyCaptchaFailureMode.Reject"/>.
    /// </summary>
    public CrafyCaptchaFailureMode FailureMode
    {
        get => FailureModeOverride ?? CrafyCaptchaFailureMode.Reject;
        set => FailureModeOverride = value;
    }

    /// <summary>The mode set on the attribute, or <see langword="null"/> when the policy decides.</summary>
    internal CrafyCaptchaFailureMode? FailureModeOverride { get; private set; }
}
