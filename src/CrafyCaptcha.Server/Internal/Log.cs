using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.Server.Internal;

/// <summary>The engine's log messages: decisions and reasons, never a secret, a token or an eo.</summary>
internal static partial class Log
{
    [LoggerMessage(201, LogLevel.Information, "Challenge refused: {Reason}.", EventName = "ChallengeRefused")]
    public static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(202, LogLevel.Debug, "Challenge flow started (mode {Mode}, risk {Risk}, step {Step}).", EventName = "FlowStarted")]
    public static partial void FlowStarted(ILogger logger, string mode, double risk, string step);

    [LoggerMessage(203, LogLevel.Debug, "Captcha token issued (risk {Risk}).", EventName = "TokenIssued")]
    public static partial void TokenIssued(ILogger logger, double risk);

    [LoggerMessage(205, LogLevel.Information, "Challenge answer's browser facts raised the risk to {Risk}: {Reasons}.", EventName = "AutomationMarkers")]
    public static partial void AutomationMarkers(ILogger logger, string reasons, double risk);

    [LoggerMessage(204, LogLevel.Warning,
        "The development credential in {Path} could not be opened ({Reason}), so a new one was made: its public key changed and every challenge in progress now fails. "
        + "This happens when the ASP.NET Core Data Protection keys changed (a new machine, container or user, or keys kept only in memory). "
        + "Persist the Data Protection key ring so it survives restarts: services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(\"<a kept folder>\")) "
        + "with a fixed SetApplicationName(...), or keep the default key ring folder (~/.aspnet/DataProtection-Keys) on a persistent volume.",
        EventName = "DevelopmentCredentialReplaced")]
    public static partial void DevelopmentCredentialReplaced(ILogger logger, string path, string reason);

    [LoggerMessage(206, LogLevel.Information, "Turnstile token refused by siteverify ({Codes}).", EventName = "TurnstileRefused")]
    public static partial void TurnstileRefused(ILogger logger, string codes);

    [LoggerMessage(207, LogLevel.Warning, "Turnstile siteverify unavailable ({Reason}): the flow is judged without it (an invisible flow the reason lifts is reloaded as an interactive one).", EventName = "TurnstileUnavailable")]
    public static partial void TurnstileUnavailable(ILogger logger, string reason);

    [LoggerMessage(208, LogLevel.Information, "Challenge engine state: {Store}.", EventName = "ChallengeStateInUse")]
    public static partial void ChallengeStateInUse(ILogger logger, string store);
}
