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

    /// <summary>
    /// Binds the flow to one visitor: an opaque, secret identifier of the browser that will post the form (a random
    /// cookie value of the site's own, never an IP address). Only a keyed hash of it is stored beside the nonce, never
    /// sent to the browser; the token is then accepted only by <see cref="ICrafyCaptcha.VerifyFlowAsync"/>
    /// with the same visitor (otherwise <see cref="FlowFailure.WrongVisitor"/>), so a token solved in one browser
    /// cannot be posted by another. <see langword="null"/> (the default): the token is a bearer token.
    /// </summary>
    public string? Visitor { get; set; }

    /// <summary>Other keys passed through to the challenge server unchanged (for example <c>lang</c>).</summary>
    public JsonObject AdditionalOptions { get; } = [];
}
