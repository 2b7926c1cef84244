namespace CrafyCaptcha.Server.Flows;

/// <summary>What the engine counts per credential (the control panel's usage table).</summary>
internal enum UsageEvent
{
    /// <summary>A flow started (carries its risk score).</summary>
    Flow,

    /// <summary>A captcha token issued.</summary>
    Pass,

    /// <summary>A challenge refused: embedding domain not allowed, or the risk engine's refusal.</summary>
    Refusal,

    /// <summary>A flow started above the invisible rung (checkbox or puzzle).</summary>
    Escalation,
}

/// <summary>
/// Receives the engine's usage events. Called on the request path: an implementation only counts in memory and writes
/// in the background, never waiting on a database here.
/// </summary>
internal interface IUsageSink
{
    void Record(string publicKey, UsageEvent usage, double risk = 0);
}
