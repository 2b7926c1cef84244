using System.Diagnostics.Metrics;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>The <c>CrafyCaptcha</c> meter: flows created and verifications by outcome and policy.</summary>
internal sealed class CrafyCaptchaMetrics
{
    public const string MeterName = "CrafyCaptcha";

    private readonly Counter<long> _verifications;
    private readonly Counter<long> _flowsCreated;

    public CrafyCaptchaMetrics(IMeterFactory meterFactory)
    {
        Meter meter = meterFactory.Create(MeterName);
        _verifications = meter.CreateCounter<long>("crafy_captcha.verifications", unit: "{verification}", description: "Captcha tokens verified, by outcome (valid or the error code) and policy.");
        _flowsCreated = meter.CreateCounter<long>("crafy_captcha.flows_created", unit: "{flow}", description: "Flows created through the options endpoint, by policy.");
    }

    public void Verified(string policy, FlowVerification verification)
        => _verifications.Add(1, new KeyValuePair<string, object?>("outcome", verification.IsValid ? "valid" : CrafyCaptchaErrorCodes.For(verification.Failure)), new KeyValuePair<string, object?>("policy", policy));

    public void FlowCreated(string policy) => _flowsCreated.Add(1, new KeyValuePair<string, object?>("policy", policy));
}
