namespace CrafyCaptcha.Server;

/// <summary>
/// The per-flow instrumentation program (configuration section <c>CrafyChallengeServer:Instrumentation</c>): a small
/// JavaScript program, new for every flow, that the challenge iframe runs beside the proof-of-work. Its result (integer
/// chains through DOM work, layout reads) and the browser facts it gathers are checked by the engine before a token is
/// issued, so a script that does not run a browser gets no token.
/// </summary>
public sealed class ChallengeInstrumentationOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "CrafyChallengeServer:Instrumentation";

    /// <summary>
    /// Whether every flow carries an instrumentation program whose result must come back with the answer (default
    /// <see langword="true"/>). Turn it off only for clients that answer without a browser on purpose (some tests).
    /// </summary>
    public bool Enabled { get; set; } = true;
}
