namespace CrafyCaptcha.Server;

/// <summary>
/// Why the engine refused a step of a flow. The judges (proof-of-work, program, trail, puzzles, Turnstile) and
/// <c>Flows/FlowService</c> speak these; only <c>Api/</c> turns them into the wire's error codes and HTTP statuses.
/// </summary>
internal enum ChallengeRefusal
{
    /// <summary>The request body was larger than allowed.</summary>
    TooLarge,

    /// <summary>The request body could not be read or lacks a field.</summary>
    BadRequest,

    /// <summary>The proof-of-work's signature or fields are invalid.</summary>
    PowInvalid,

    /// <summary>The proof-of-work was issued for another flow.</summary>
    PowOtherFlow,

    /// <summary>The proof-of-work expired.</summary>
    PowExpired,

    /// <summary>The proof-of-work's number does not solve it.</summary>
    PowWrongAnswer,

    /// <summary>Not every part of a split proof-of-work was solved.</summary>
    PowIncomplete,

    /// <summary>The proof-of-work was used already.</summary>
    PowReplayed,

    /// <summary>The answer came sooner than a browser can run the page.</summary>
    PowTooFast,

    /// <summary>The flow is unknown, expired or was used already.</summary>
    FlowUnknownOrSpent,

    /// <summary>The instrumentation program's result is missing or wrong.</summary>
    ProgramInvalid,

    /// <summary>The program showed automation on an invisible flow: reload for an interactive step.</summary>
    AutomationDetected,

    /// <summary>The interactive step's trail is missing or implausible.</summary>
    InteractionRequired,

    /// <summary>The puzzle's answer is wrong; the same puzzle may be tried again.</summary>
    PuzzleWrong,

    /// <summary>The puzzle's answer is wrong; a new puzzle is shown.</summary>
    PuzzleNew,

    /// <summary>The flow showed all the puzzles it may.</summary>
    PuzzleExhausted,

    /// <summary>The accessible path was taken too often from this address or network in its window: try the picture, or wait.</summary>
    AccessiblePathLimited,

    /// <summary>The flow's policy turned the accessible path off (<c>accessible_path: false</c> in its options).</summary>
    AccessiblePathOff,

    /// <summary>The client sent too many answers.</summary>
    RateLimited,

    /// <summary>The engine's state store did not answer.</summary>
    Unavailable,

    /// <summary>The Turnstile token is missing, skipped or too long.</summary>
    TurnstileMissing,

    /// <summary>Cloudflare refused the Turnstile token.</summary>
    TurnstileInvalid,

    /// <summary>The Turnstile token was used already.</summary>
    TurnstileSpent,

    /// <summary>Cloudflare's siteverify did not answer on an invisible flow the reason lifts.</summary>
    TurnstileUnavailable,
}
