using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.Server.Internal;

/// <summary>The engine's log messages: decisions and reasons, never a secret, a token or an eo.</summary>
internal static partial class Log
{
    [LoggerMessage(201, LogLevel.Information, "Challenge refused: {Reason}.", EventName = "ChallengeRefused")]
    public static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(202, LogLevel.Debug, "Challenge flow started (mode {Mode}, risk {Risk}, checkbox {Checkbox}).", EventName = "FlowStarted")]
    public static partial void FlowStarted(ILogger logger, string mode, double risk, bool checkbox);

    [LoggerMessage(203, LogLevel.Debug, "Captcha token issued (risk {Risk}).", EventName = "TokenIssued")]
    public static partial void TokenIssued(ILogger logger, double risk);
}
