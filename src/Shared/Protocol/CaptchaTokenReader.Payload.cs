using System.Buffers;
using System.Text;
using System.Text.Json;
using CrafyCaptcha.Cryptography;

namespace CrafyCaptcha.Protocol;

// Checks 3 to 7 with <see cref="Utf8JsonReader"/> (any valid JSON), and the expiry they share with the scanner.
internal static partial class CaptchaTokenReader
{
    /// <summary>Checks 3 to 7 with <see cref="Utf8JsonReader"/>: any valid JSON, escapes and duplicate keys included.</summary>
    internal static TokenCheck CheckPayloadGeneral(ReadOnlySpan<byte> payloadUtf8, SecretBox secretBox, DateTimeOffset now)
    {
        bool statusOk = false;
        ExpiryKind expiryKind = ExpiryKind.Missing;
        Span<char> expiryText = stackalloc char[MaxExpiryChars];
        int expiryLength = 0;
        double expiryNumber = 0;
        NonceKind nonceKind = NonceKind.Missing;
        byte[]? sealedNonceCopy = null;
        Range sealedNonceRange = default;
        bool sealedNonceCopied = false;
        double? riskScore = null;
        string? flowToken = null;
        try
        {
            try
            {
                var reader = new Utf8JsonReader(payloadUtf8, ReaderOptions);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return new(FlowFailure.MalformedPayload);
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("status"u8))
                    {
                        reader.Read();
                        statusOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("success"u8);
                    }
                    else if (reader.ValueTextEquals("expires_at"u8))
                    {
                        reader.Read();
                        (expiryKind, expiryLength, expiryNumber) = ReadExpiry(ref reader, expiryText);
                    }
                    else if (reader.ValueTextEquals("nonce"u8))
                    {
                        reader.Read();
                        (nonceKind, sealedNonceRange, sealedNonceCopied) = ReadNonce(ref reader, ref sealedNonceCopy);
                    }
                    else if (reader.ValueTextEquals("risk_score"u8))
                    {
                        reader.Read();
                        riskScore = reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out double score) ? score : null;
                    }
                    else if (reader.ValueTextEquals("flow_token"u8))
                    {
                        reader.Read();
                        flowToken = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }

                if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
                {
                    return new(FlowFailure.MalformedPayload);
                }
            }
            catch (JsonException)
            {
                return new(FlowFailure.MalformedPayload);
            }
            catch (InvalidOperationException)
            {
                return new(FlowFailure.MalformedPayload);
            }

            ReadOnlySpan<byte> sealedNonce = sealedNonceCopied ? sealedNonceCopy.AsSpan()[sealedNonceRange] : payloadUtf8[sealedNonceRange];
            return Finish(statusOk, expiryKind, expiryText[..expiryLength], expiryNumber, nonceKind, sealedNonce, riskScore, flowToken, secretBox, now);
        }
        finally
        {
            if (sealedNonceCopy is not null)
            {
                ArrayPool<byte>.Shared.Return(sealedNonceCopy);
            }
        }
    }

    /// <summary>Checks 4 to 7 on the fields either reader found: status, expiry, then the sealed nonce.</summary>
    private static TokenCheck Finish(
        bool statusOk,
        ExpiryKind expiryKind,
        ReadOnlySpan<char> expiryText,
        double expiryNumber,
        NonceKind nonceKind,
        ReadOnlySpan<byte> sealedNonce,
        double? riskScore,
        string? flowToken,
        SecretBox secretBox,
        DateTimeOffset now)
    {
        if (!statusOk)
        {
            return new(FlowFailure.BadStatus, RiskScore: riskScore, FlowToken: flowToken);
        }

        DateTimeOffset expiresAt = default;
        FlowFailure expiryFailure = expiryKind switch
        {
            ExpiryKind.Missing => FlowFailure.MissingExpiry,
            ExpiryKind.Text when ExpiryParser.TryParse(expiryText, out expiresAt) => FlowFailure.None,
            ExpiryKind.Number when ExpiryParser.TryFromUnixMilliseconds(expiryNumber, out expiresAt) => FlowFailure.None,
            _ => FlowFailure.InvalidExpiry,
        };
        if (expiryFailure == FlowFailure.None && now > expiresAt)
        {
            expiryFailure = FlowFailure.Expired;
        }

        DateTimeOffset? knownExpiry = expiryFailure is FlowFailure.None or FlowFailure.Expired ? expiresAt : null;
        if (expiryFailure != FlowFailure.None)
        {
            return new(expiryFailure, RiskScore: riskScore, FlowToken: flowToken, ExpiresAt: knownExpiry);
        }

        FlowFailure nonceFailure = OpenNonce(nonceKind, sealedNonce, secretBox, out string? nonce);
        return new(nonceFailure, nonce, riskScore, flowToken, knownExpiry);
    }

    private static (ExpiryKind Kind, int Length, double Number) ReadExpiry(ref Utf8JsonReader reader, scoped Span<char> text)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return (ExpiryKind.Missing, 0, 0);
            case JsonTokenType.String:
                int length = ValueLength(ref reader);
                if (length == 0)
                {
                    return (ExpiryKind.Missing, 0, 0);
                }

                return length > text.Length ? (ExpiryKind.Invalid, 0, 0) : (ExpiryKind.Text, reader.CopyString(text), 0);
            case JsonTokenType.Number:
                if (!reader.TryGetDouble(out double number))
                {
                    return (ExpiryKind.Invalid, 0, 0);
                }

                return number == 0 ? (ExpiryKind.Missing, 0, 0) : (ExpiryKind.Number, 0, number);
            default:
                reader.Skip();
                return (ExpiryKind.Invalid, 0, 0);
        }
    }
}
