namespace CrafyCaptcha.AspNetCore;

/// <summary>Opts an action, page handler or endpoint out of a <see cref="RequireCrafyCaptchaAttribute"/> set on its controller or group.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class IgnoreCrafyCaptchaAttribute : Attribute, ICrafyCaptchaMetadata
{
    /// <inheritdoc />
    public bool RequiresCaptcha => false;

    /// <inheritdoc />
    public string? PolicyName => null;
}
