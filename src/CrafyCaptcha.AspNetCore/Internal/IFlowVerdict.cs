using System.Text.Json.Nodes;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// Gives the verdict on one request's token for a policy. <see cref="SdkFlowVerdict"/> verifies it; with the test
/// credentials <see cref="TestCredentialFlowVerdict"/> stands in, chosen once when the service is built.
/// </summary>
internal interface IFlowVerdict
{
    ValueTask<FlowVerification> VerifyAsync(string? token, string policyName, CrafyFlowPolicy policy, string? visitor, CancellationToken cancellationToken);
}

/// <summary>The real verdict: the SDK verifies the token against the policy's context and the visitor, then the policy's risk ceiling applies.</summary>
internal sealed class SdkFlowVerdict(ICrafyCaptcha captcha) : IFlowVerdict
{
    public async ValueTask<FlowVerification> VerifyAsync(string? token, string policyName, CrafyFlowPolicy policy, string? visitor, CancellationToken cancellationToken)
    {
        var expected = new JsonObject { [CrafyCaptchaHttpOptions.PolicyContextKey] = policyName };
        FlowVerification verification = await captcha.VerifyFlowAsync(token, expected, visitor, cancellationToken).ConfigureAwait(false);
        return verification.IsValid && verification.RiskScore > policy.MaxRiskScore
            ? FlowVerification.Failed(FlowFailure.RiskTooHigh, verification.RiskScore, verification.FlowToken, verification.ExpiresAt, verification.PayloadJson)
            : verification;
    }
}

/// <summary>The fixed verdict of a test secret key (<see cref="CrafyCaptchaTestCredentials"/>); a missing token still fails.</summary>
internal sealed class TestCredentialFlowVerdict : IFlowVerdict
{
    private readonly FlowFailure _verdict;

    private TestCredentialFlowVerdict(FlowFailure verdict) => _verdict = verdict;

    /// <summary>The stand-in for <paramref name="secretKey"/>, or <see langword="null"/> when it is not a test key.</summary>
    public static TestCredentialFlowVerdict? For(string? secretKey) => secretKey switch
    {
        CrafyCaptchaTestCredentials.AlwaysFailsSecretKey => new(FlowFailure.BadSignature),
        CrafyCaptchaTestCredentials.AlwaysSpentSecretKey => new(FlowFailure.NonceNotFound),
        CrafyCaptchaTestCredentials.AlwaysPassesSecretKey or CrafyCaptchaTestCredentials.ForcesPuzzleSecretKey => new(FlowFailure.None),
        _ => null,
    };

    public ValueTask<FlowVerification> VerifyAsync(string? token, string policyName, CrafyFlowPolicy policy, string? visitor, CancellationToken cancellationToken)
        => ValueTask.FromResult(
            string.IsNullOrEmpty(token) ? FlowVerification.Failed(FlowFailure.MissingToken)
            : _verdict == FlowFailure.None ? FlowVerification.Success(0, null, DateTimeOffset.MaxValue, "{}")
            : FlowVerification.Failed(_verdict));
}
