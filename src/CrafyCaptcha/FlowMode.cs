namespace CrafyCaptcha;

/// <summary>How much friction a flow may show. Written into the encrypted iframe options as <c>mode</c>.</summary>
public enum FlowMode
{
    /// <summary><c>auto</c>: the challenge server decides from the risk score (the default).</summary>
    Auto,

    /// <summary><c>hidden</c>: invisible proof-of-work only.</summary>
    Hidden,

    /// <summary><c>puzzle</c>: always show a puzzle from <see cref="FlowOptions.Puzzles"/>.</summary>
    Puzzle,
}
