using System.Text.Json.Serialization;
using CrafyCaptcha.Server.Pow;

namespace CrafyCaptcha.Server.Api;

internal sealed record VerifyRequest(
    [property: JsonPropertyName("flow_token")] string? FlowToken,
    [property: JsonPropertyName("pow")] PowSolution? Pow,
    [property: JsonPropertyName("interaction")] System.Text.Json.JsonElement? Interaction,
    [property: JsonPropertyName("program")] System.Text.Json.JsonElement? Program = null,
    [property: JsonPropertyName("puzzle")] System.Text.Json.JsonElement? Puzzle = null,
    [property: JsonPropertyName("turnstile")] string? Turnstile = null,
    [property: JsonPropertyName("pow_parts")] IReadOnlyList<PowSolution>? PowParts = null,
    [property: JsonPropertyName("pow_surcharge")] PowSolution? PowSurcharge = null);

internal sealed record CompleteResponse(
    [property: JsonPropertyName("payload")] string Payload,
    [property: JsonPropertyName("signature")] string Signature,
    [property: JsonPropertyName("server_sign")] string ServerSign);

internal sealed record ErrorResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("puzzle"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Puzzles.PuzzleView? Puzzle = null);

/// <summary><c>POST {base}/challenge/puzzle</c>: <c>{"flow_token", "action": "new" | "accessible"}</c>.</summary>
internal sealed record PuzzleActionRequest(
    [property: JsonPropertyName("flow_token")] string? FlowToken,
    [property: JsonPropertyName("action")] string? Action);

/// <summary>A new puzzle, or the accessible path's proof-of-work.</summary>
internal sealed record PuzzleActionResponse(
    [property: JsonPropertyName("puzzle"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Puzzles.PuzzleView? Puzzle,
    [property: JsonPropertyName("pow"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PowChallenge? Pow);

internal sealed record SiteKeyData(
    [property: JsonPropertyName("payload")] string Payload,
    [property: JsonPropertyName("signature")] string Signature);

internal sealed record SiteKeyResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message,
    [property: JsonPropertyName("data"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SiteKeyData? Data);

internal sealed record AuthenticateBody(
    [property: JsonPropertyName("public_key")] string? PublicKey,
    [property: JsonPropertyName("secret_key")] string? SecretKey);

internal sealed record AuthenticateResult(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("public_token")] string PublicToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);

internal sealed record AuthenticateEnvelope(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("data")] AuthenticateResult Data);

internal sealed record CheckFlowBody(
    [property: JsonPropertyName("flow_token")] string? FlowToken);

internal sealed record CheckFlowResult(
    [property: JsonPropertyName("valid")] bool Valid,
    [property: JsonPropertyName("risk_score")] double RiskScore,
    [property: JsonPropertyName("message")] string Message);

internal sealed record CheckFlowEnvelope(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("data")] CheckFlowResult Data);

[JsonSerializable(typeof(AuthenticateBody))]
[JsonSerializable(typeof(CheckFlowBody))]
[JsonSerializable(typeof(CheckFlowEnvelope))]
[JsonSerializable(typeof(AuthenticateEnvelope))]
[JsonSerializable(typeof(VerifyRequest))]
[JsonSerializable(typeof(CompleteResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(SiteKeyResponse))]
[JsonSerializable(typeof(PowChallenge))]
[JsonSerializable(typeof(PuzzleActionRequest))]
[JsonSerializable(typeof(PuzzleActionResponse))]
[JsonSerializable(typeof(Puzzles.PuzzleView))]
internal sealed partial class ChallengeJson : JsonSerializerContext;
