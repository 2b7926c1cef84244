using System.Text.Json;
using CrafyCaptcha.Server.Pow;
using CrafyCaptcha.Server.Protocol;
using CrafyCaptcha.Server.Risk;

namespace CrafyCaptcha.Server.Flows;

/// <summary>Why the engine would not open a flow.</summary>
internal enum FlowOpenError
{
    /// <summary>The flow was opened.</summary>
    None,

    /// <summary>The public token (<c>pt</c>) names no credential.</summary>
    UnknownPublicToken,

    /// <summary>The embedding page's host is not among the credential's domains.</summary>
    DomainNotAllowed,

    /// <summary>The <c>eo</c> is missing, too long, not v3, or does not open with the credential's secret.</summary>
    InvalidOptions,

    /// <summary>The <c>eo</c> opened but carries no valid nonce.</summary>
    NoNonce,

    /// <summary>A token was already issued for this <c>eo</c>.</summary>
    AlreadySpent,

    /// <summary>The state store did not answer.</summary>
    Unavailable,

    /// <summary>This <c>eo</c> was loaded more often than <see cref="FlowService.MaxLoadsPerEo"/>.</summary>
    TooManyLoads,

    /// <summary>The risk engine refused the client outright (a denied network, or a flood: see <see cref="FlowOpenResult.Refusal"/>).</summary>
    Refused,
}

/// <summary>What the challenge page asks for: the credential's public token, the widget's <c>cdweo</c>, the embedding origin.</summary>
internal sealed record FlowOpenRequest(string? PublicToken, string? Cdweo, string ParentOrigin, RiskSignals Signals, IReadOnlyList<string>? Puzzles = null);

/// <summary>A flow the engine opened: what the challenge page runs.</summary>
internal sealed record OpenedFlow(string FlowToken, PowChallenge Pow, bool Interactive, SignedMessage Handshake, string? ProgramScript = null, Puzzles.PuzzleView? Puzzle = null, bool Turnstile = false, PowChallenge? Surcharge = null);

/// <summary>The outcome of <see cref="FlowService.OpenAsync"/>: <see cref="Flow"/> when opened, else <see cref="Error"/>.</summary>
internal sealed record FlowOpenResult(FlowOpenError Error, string Host, OpenedFlow? Flow, Refusal? Refusal = null, Risk.RiskAssessment? Assessment = null);

/// <summary>
/// The answer the challenge page posts back: its flow, its proof-of-work solution, and for an interactive step the
/// pointer or keyboard trail (see <see cref="InteractionEvidence"/>); the client's address counts refusals against it.
/// </summary>
internal sealed record FlowAnswer(string FlowToken, PowSolution Solution, JsonElement? Interaction, System.Net.IPAddress? RemoteAddress, JsonElement? Program = null, JsonElement? Puzzle = null, string? Turnstile = null, IReadOnlyList<PowSolution>? SolutionParts = null, PowSolution? Surcharge = null);

/// <summary>
/// The outcome of <see cref="FlowService.AnswerAsync"/>: the signed CHALLENGE_COMPLETE message, or an error code
/// (<c>pow_invalid</c>, <c>pow_other_flow</c>, <c>pow_expired</c>, <c>pow_wrong_answer</c>, <c>pow_incomplete</c>, <c>pow_replayed</c>,
/// <c>flow_unknown_or_spent</c>, <c>pow_too_fast</c>, <c>program_invalid</c>, <c>automation_detected</c>, <c>interaction_required</c>,
/// <c>puzzle_wrong</c>, <c>puzzle_new</c> (with the new <see cref="Puzzle"/>), <c>puzzle_exhausted</c>, <c>rate_limited</c>, <c>unavailable</c>;
/// with Turnstile: <c>turnstile_missing</c>, <c>turnstile_invalid</c>, <c>turnstile_spent</c>, <c>turnstile_unavailable</c>).
/// </summary>
internal sealed record FlowAnswerResult(ChallengeRefusal? Error, SignedMessage? Complete, Puzzles.PuzzleView? Puzzle = null);

/// <summary>The outcome of <see cref="FlowService.PuzzleActionAsync"/>: an error code, or the new puzzle, or the accessible path's proof-of-work.</summary>
internal sealed record PuzzleActionResult(ChallengeRefusal? Error, Puzzles.PuzzleView? Puzzle, PowChallenge? Pow);
