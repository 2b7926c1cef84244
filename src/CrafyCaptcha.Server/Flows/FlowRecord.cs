using System.Text.Json.Serialization;

namespace CrafyCaptcha.Server.Flows;

/// <summary>One load of the challenge iframe: what it was created for and what it must check.</summary>
internal sealed record FlowRecord(
    [property: JsonPropertyName("pk")] string PublicKey,
    [property: JsonPropertyName("nonce")] string Nonce,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("risk")] double Risk,
    [property: JsonPropertyName("checkbox")] bool NeedsCheckbox,
    [property: JsonPropertyName("origin")] string ParentOrigin,
    [property: JsonPropertyName("host")] string Hostname);

[JsonSerializable(typeof(FlowRecord))]
internal sealed partial class FlowRecordJson : JsonSerializerContext;
