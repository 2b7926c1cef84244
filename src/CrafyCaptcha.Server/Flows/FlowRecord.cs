using System.Text.Json.Serialization;

namespace CrafyCaptcha.Server.Flows;

/// <summary>One load of the challenge iframe: what it was created for and what it must check.</summary>
internal sealed record FlowRecord(
    [property: JsonPropertyName("pk")] string PublicKey,
    [property: JsonPropertyName("nonce")] string Nonce,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("risk")] double Risk,
    [property: JsonPropertyName("step")] string Step,
    [property: JsonPropertyName("reasons")] string[] Reasons,
    [property: JsonPropertyName("issued")] long IssuedAtUnixMilliseconds,
    [property: JsonPropertyName("origin")] string ParentOrigin,
    [property: JsonPropertyName("host")] string Hostname,
    [property: JsonPropertyName("program")] CrafyCaptcha.Server.Instrumentation.ProgramExpectation? Program = null,
    [property: JsonPropertyName("puzzle")] Puzzles.PuzzleState? Puzzle = null,
    [property: JsonPropertyName("surcharge")] string? Surcharge = null,
    [property: JsonPropertyName("noap"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool NoAccessiblePath = false,
    [property: JsonPropertyName("palg"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PowAlgorithm = null)
{
    /// <summary>Whether the flow asks an interactive step (the checkbox or a puzzle).</summary>
    [JsonIgnore]
    public bool IsInteractive => Step != "invisible";
}

/// <summary>A flow whose token was issued, kept for one <c>check_flow</c>: its risk score.</summary>
internal sealed record CompletedFlow([property: JsonPropertyName("risk")] double Risk);

[JsonSerializable(typeof(FlowRecord))]
[JsonSerializable(typeof(CompletedFlow))]
internal sealed partial class FlowRecordJson : JsonSerializerContext;
