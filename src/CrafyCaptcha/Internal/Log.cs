using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.Internal;

/// <summary>The SDK core's log messages. Never a secret, never a token: only outcomes and reasons.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Created a CrafyCaptcha flow (mode {Mode}, context stored: {HasContext}).", EventName = "FlowCreated")]
    public static partial void FlowCreated(ILogger logger, FlowMode mode, bool hasContext);

    [LoggerMessage(2, LogLevel.Debug, "CrafyCaptcha token verified (risk score {RiskScore}).", EventName = "VerificationSucceeded")]
    public static partial void VerificationSucceeded(ILogger logger, double riskScore);

    [LoggerMessage(3, LogLevel.Information, "CrafyCaptcha token rejected: {Failure}.", EventName = "VerificationFailed")]
    public static partial void VerificationFailed(ILogger logger, FlowFailure failure);

    [LoggerMessage(4, LogLevel.Error, "The CrafyCaptcha nonce store is unavailable; the token was rejected.", EventName = "StoreUnavailable")]
    public static partial void StoreUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(5, LogLevel.Information, "CrafyCaptcha nonces: {Store}.", EventName = "NonceStoreInUse")]
    public static partial void NonceStoreInUse(ILogger logger, string store);

    [LoggerMessage(6, LogLevel.Warning, "CrafyCaptcha nonces: {Store}.", EventName = "NonceStorePerProcess")]
    public static partial void NonceStorePerProcess(ILogger logger, string store);
}
