using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>The integration's log messages: outcome, policy and reason; never a secret or a token.</summary>
internal static partial class Log
{
    [LoggerMessage(101, LogLevel.Debug, "Captcha verified for policy '{Policy}' (risk score {RiskScore}).", EventName = "CaptchaAccepted")]
    public static partial void Accepted(ILogger logger, string policy, double? riskScore);

    [LoggerMessage(102, LogLevel.Information, "Captcha rejected for policy '{Policy}': {ErrorCode} ({Failure}).", EventName = "CaptchaRejected")]
    public static partial void Rejected(ILogger logger, string policy, string errorCode, FlowFailure failure);

    [LoggerMessage(103, LogLevel.Error, "Endpoint requires the captcha policy '{Policy}', which was never added (AddFlowPolicy).", EventName = "UnknownPolicy")]
    public static partial void UnknownPolicy(ILogger logger, string policy);

    [LoggerMessage(104, LogLevel.Warning, "Options endpoint refused a request: {Reason}.", EventName = "OptionsRefused")]
    public static partial void OptionsRefused(ILogger logger, string reason);

    [LoggerMessage(105, LogLevel.Error, "Could not create a captcha flow: the nonce store is unavailable.", EventName = "FlowStoreUnavailable")]
    public static partial void FlowStoreUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(106, LogLevel.Warning, "Test credentials are in use ({SecretKeyKind}): every captcha gets a fixed verdict.", EventName = "TestCredentials")]
    public static partial void TestCredentialsInUse(ILogger logger, string secretKeyKind);

    [LoggerMessage(107, LogLevel.Information, "Captcha rejected a request whose form body cannot be read ({Reason}): captcha_bad_request.", EventName = "UnreadableForm")]
    public static partial void UnreadableForm(ILogger logger, string reason);
}
