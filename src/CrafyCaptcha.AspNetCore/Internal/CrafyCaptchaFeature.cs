namespace CrafyCaptcha.AspNetCore.Internal;

internal sealed class CrafyCaptchaFeature(string policyName, FlowVerification verification) : ICrafyCaptchaFeature
{
    public string PolicyName { get; } = policyName;

    public FlowVerification Verification { get; } = verification;
}
