namespace CrafyCaptcha.Server;

/// <summary>What the engine counts per credential (for example the control panel's usage table).</summary>
public enum ChallengeUsage
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
/// Receives the engine's usage events (register as many as needed). Called on the request path: an implementation only
/// counts in memory and writes in the background, never waiting on a database here.
/// </summary>
public interface IChallengeUsageSink
{
    /// <summary>Counts one event for the credential <paramref name="publicKey"/>.</summary>
    /// <param name="publicKey">The credential's Public Key.</param>
    /// <param name="usage">What happened.</param>
    /// <param name="riskScore">The flow's risk score (for <see cref="ChallengeUsage.Flow"/>; 0 otherwise).</param>
    void Record(string publicKey, ChallengeUsage usage, double riskScore);
}
