namespace CrafyCaptcha.AspNetCore.Identity;

/// <summary>Endpoint metadata of an Identity UI page whose form gets the widget (added by the page convention).</summary>
internal sealed class IdentityUIFormMetadata(string policyName)
{
    public string PolicyName { get; } = policyName;
}
