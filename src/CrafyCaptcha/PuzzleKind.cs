namespace CrafyCaptcha;

/// <summary>A puzzle the challenge server may show. Written into the encrypted iframe options as <c>puzzles</c>.</summary>
public enum PuzzleKind
{
    /// <summary><c>checkbox</c>: a click on "I am not a robot".</summary>
    Checkbox,

    /// <summary><c>slider</c>: drag a piece into its gap.</summary>
    Slider,

    /// <summary><c>connect</c>: connect the marked points.</summary>
    Connect,
}
