using System.Text.Json.Nodes;

namespace CrafyCaptcha;

/// <summary>What a new flow asks of the challenge server, and what the site keeps server-side for it.</summary>
public sealed class FlowOptions
{
    /// <summary>The friction mode; <see langword="null"/> leaves it out (the server then uses <c>auto</c>).</summary>
    public FlowMode? Mode { get; set; }

    /// <summary>The puzzles allowed, in order; <see langword="null"/> leaves the key out, an empty list means all three.</summary>
    public IList<PuzzleKind>? Puzzles { get; set; }

    /// <summary>
    /// Server-side context stored beside the flow's nonce and never sent to the browser. Verification with an
    /// expected context checks each expected key against it (JSON equality, types included).
    /// </summary>
    public JsonObject? Context { get; set; }

    /// <summary>Other keys passed through to the challenge server unchanged (for example <c>lang</c>).</summary>
    public JsonObject AdditionalOptions { get; } = [];
}
