using System.Text.Json;
using CrafyCaptcha.Protocol;

namespace CrafyCaptcha;

/// <summary>The outcome of verifying one captcha token: valid, or the reason it is not. Immutable.</summary>
public sealed class FlowVerification
{
    private FlowVerification(FlowFailure failure, double? riskScore, string? flowToken, DateTimeOffset? expiresAt, string? payloadJson, string? payloadToken = null)
    {
        Failure = failure;
        RiskScore = riskScore;
        FlowToken = flowToken;
        ExpiresAt = expiresAt;
        _payloadJson = payloadJson;
        _payloadToken = payloadToken;
    }

    private string[]? _riskReasons;
    private string? _payloadJson;

    /// <summary>The token the payload text is read from on first use of <see cref="PayloadJson"/> (its signature was checked).</summary>
    private readonly string? _payloadToken;

    /// <summary><see langword="true"/> when every check passed and the nonce was consumed by this call.</summary>
    public bool IsValid => Failure == FlowFailure.None;

    /// <summary>Why the token was rejected, or <see cref="FlowFailure.None"/>.</summary>
    public FlowFailure Failure { get; }

    /// <summary>The challenge server's risk score (0.0 to 1.0) when the signed payload carried one.</summary>
    public double? RiskScore { get; }

    /// <summary>
    /// The named reasons the challenge server gave for <see cref="RiskScore"/> (the signed payload's
    /// <c>risk_reasons</c>, an extension of this engine that the official SDKs ignore), for example
    /// <c>velocity_ip</c> or <c>webdriver</c>; empty when the payload has none. Read from the signed payload on first use.
    /// </summary>
    public IReadOnlyList<string> RiskReasons => _riskReasons ??= ReadRiskReasons(PayloadJson);

    /// <summary>The flow token (a UUID) when the signed payload carried one.</summary>
    public string? FlowToken { get; }

    /// <summary>When the token stops being valid, when it could be read.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>The signed payload text, once its signature has been checked; <see langword="null"/> before that.</summary>
    /// <remarks>A verification made from a token reads this text from the token on first use, not before.</remarks>
    public string? PayloadJson => _payloadJson ??= _payloadToken is null ? null : CaptchaTokenReader.ReadPayloadJson(_payloadToken);

    /// <summary>An English description of <see cref="Failure"/>, safe to log (it never contains the token).</summary>
    public string Message => FlowFailureMessages.Describe(Failure);

    /// <summary>
    /// A valid outcome: for an <see cref="ICrafyCaptcha"/> implementation, or a stand-in verdict (test credentials,
    /// a test double), that checked the token itself.
    /// </summary>
    /// <param name="riskScore">The signed payload's risk score, if any.</param>
    /// <param name="flowToken">The signed payload's flow token, if any.</param>
    /// <param name="expiresAt">When the token stops being valid.</param>
    /// <param name="payloadJson">The signed payload text.</param>
    /// <returns>The outcome.</returns>
    public static FlowVerification Success(double? riskScore, string? flowToken, DateTimeOffset expiresAt, string payloadJson)
        => new(FlowFailure.None, riskScore, flowToken, expiresAt, payloadJson);

    /// <summary>A rejected outcome, with what could be read from the token before it was rejected.</summary>
    /// <param name="failure">Why the token was rejected; not <see cref="FlowFailure.None"/>.</param>
    /// <param name="riskScore">The signed payload's risk score, if any.</param>
    /// <param name="flowToken">The signed payload's flow token, if any.</param>
    /// <param name="expiresAt">When the token stops being valid, if known.</param>
    /// <param name="payloadJson">The signed payload text, once its signature was checked.</param>
    /// <returns>The outcome.</returns>
    /// <exception cref="ArgumentException"><paramref name="failure"/> is <see cref="FlowFailure.None"/>.</exception>
    public static FlowVerification Failed(FlowFailure failure, double? riskScore = null, string? flowToken = null, DateTimeOffset? expiresAt = null, string? payloadJson = null)
    {
        if (failure == FlowFailure.None)
        {
            throw new ArgumentException("A failed verification needs a failure other than None.", nameof(failure));
        }

        return new(failure, riskScore, flowToken, expiresAt, payloadJson);
    }

    /// <summary>The outcome of a token's checks: <paramref name="failure"/>, with what <paramref name="check"/> read.</summary>
    internal static FlowVerification FromCheck(FlowFailure failure, in TokenCheck check)
        => new(failure, check.RiskScore, check.FlowToken, check.ExpiresAt, payloadJson: null, check.PayloadToken);

    private static string[] ReadRiskReasons(string? payloadJson)
    {
        if (payloadJson is null)
        {
            return [];
        }

        try
        {
            using JsonDocument payload = JsonDocument.Parse(payloadJson);
            if (payload.RootElement.ValueKind != JsonValueKind.Object
                || !payload.RootElement.TryGetProperty("risk_reasons", out JsonElement reasons)
                || reasons.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            return [.. reasons.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!).Take(64)];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <inheritdoc />
    public override string ToString() => IsValid ? "Valid" : $"Invalid ({Failure}): {Message}";
}
