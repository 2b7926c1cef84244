using System.Text;
using System.Text.Json;
using CrafyCaptcha.Cryptography;

namespace CrafyCaptcha.Protocol;

// Checks 3 to 7 in one pass over a payload of the shape every engine writes (no escapes, no duplicate keys); anything else falls back to <see cref="CheckPayloadGeneral"/>.
internal static partial class CaptchaTokenReader
{
    /// <summary>
    /// The payload as challenge servers write it, read in one pass without a <see cref="Utf8JsonReader"/>: one object,
    /// no whitespace, keys without escapes, values that are strings of printable ASCII (escapes <c>\"</c> <c>\\</c>
    /// <c>\/</c> and <c>\u0000</c>–<c>\u007F</c> only), JSON numbers, <c>true</c>, <c>false</c>, <c>null</c>, or a
    /// flat array of those under a key the checks do not read (<c>risk_reasons</c>). The known keys are read as the
    /// general path reads them (the last occurrence wins); an escaped <c>status</c>, <c>expires_at</c> or
    /// <c>flow_token</c>, or an array under a known key, is left to the general path. When this returns
    /// <see langword="true"/>, <paramref name="check"/> is what <see cref="CheckPayloadGeneral"/> returns for the same
    /// bytes; when it returns <see langword="false"/>, nothing is decided.
    /// </summary>
    internal static bool TryCheckPayloadFast(ReadOnlySpan<byte> payload, SecretBox secretBox, DateTimeOffset now, out TokenCheck check)
    {
        check = default;
        bool statusOk = false;
        ExpiryKind expiryKind = ExpiryKind.Missing;
        Range expiryText = default;
        double expiryNumber = 0;
        NonceKind nonceKind = NonceKind.Missing;
        Range sealedNonce = default;
        bool sealedNonceEscaped = false;
        double? riskScore = null;
        Range flowToken = default;
        bool hasFlowToken = false;

        if (payload.Length < 2 || payload[0] != (byte)'{')
        {
            return false;
        }

        int pos = 1;
        if (payload[1] != (byte)'}')
        {
            while (true)
            {
                if (pos >= payload.Length || payload[pos] != (byte)'"')
                {
                    return false;
                }

                int nameStart = ++pos;
                if (!TryScanString(payload, ref pos, out bool nameEscaped) || nameEscaped
                    || pos >= payload.Length || payload[pos] != (byte)':')
                {
                    return false;
                }

                ReadOnlySpan<byte> name = payload[nameStart..(pos - 1)];
                pos++;
                int valueStart = pos;
                if (!TryScanValue(payload, ref pos, allowArray: true, out ValueKind kind, out bool escaped))
                {
                    return false;
                }

                // A string's text is between its quotes; any other value is its bytes.
                Range value = kind == ValueKind.String ? new Range(valueStart + 1, pos - 1) : new Range(valueStart, pos);
                int rawLength = value.GetOffsetAndLength(payload.Length).Length;
                if (kind == ValueKind.Array)
                {
                    if (name.SequenceEqual("status"u8) || name.SequenceEqual("expires_at"u8) || name.SequenceEqual("nonce"u8)
                        || name.SequenceEqual("risk_score"u8) || name.SequenceEqual("flow_token"u8))
                    {
                        return false;
                    }
                }
                else if (name.SequenceEqual("status"u8))
                {
                    if (escaped)
                    {
                        return false;
                    }

                    statusOk = kind == ValueKind.String && payload[value].SequenceEqual("success"u8);
                }
                else if (name.SequenceEqual("expires_at"u8))
                {
                    switch (kind)
                    {
                        case ValueKind.Null:
                            expiryKind = ExpiryKind.Missing;
                            break;
                        case ValueKind.String when rawLength == 0:
                            expiryKind = ExpiryKind.Missing;
                            break;
                        case ValueKind.String when rawLength > MaxExpiryChars:
                            expiryKind = ExpiryKind.Invalid;
                            break;
                        case ValueKind.String when escaped:
                            return false;
                        case ValueKind.String:
                            (expiryKind, expiryText) = (ExpiryKind.Text, value);
                            break;
                        case ValueKind.Number:
                            expiryKind = !TryGetDouble(payload[value], out expiryNumber) ? ExpiryKind.Invalid
                                : expiryNumber == 0 ? ExpiryKind.Missing
                                : ExpiryKind.Number;
                            break;
                        default:
                            expiryKind = ExpiryKind.Invalid;
                            break;
                    }
                }
                else if (name.SequenceEqual("nonce"u8))
                {
                    (nonceKind, sealedNonce, sealedNonceEscaped) = kind switch
                    {
                        ValueKind.Null => (NonceKind.Missing, default, false),
                        ValueKind.String when rawLength == 0 => (NonceKind.Missing, default, false),
                        ValueKind.String when rawLength > MaxSealedNonceChars => (NonceKind.Invalid, default, false),
                        ValueKind.String => (NonceKind.Text, value, escaped),
                        _ => (NonceKind.Invalid, default(Range), false),
                    };
                }
                else if (name.SequenceEqual("risk_score"u8))
                {
                    riskScore = kind == ValueKind.Number && TryGetDouble(payload[value], out double score) ? score : null;
                }
                else if (name.SequenceEqual("flow_token"u8))
                {
                    if (escaped)
                    {
                        return false;
                    }

                    (hasFlowToken, flowToken) = (kind == ValueKind.String, value);
                }

                if (pos >= payload.Length)
                {
                    return false;
                }

                if (payload[pos] == (byte)',')
                {
                    pos++;
                    continue;
                }

                if (payload[pos] != (byte)'}')
                {
                    return false;
                }

                break;
            }
        }

        if (pos != payload.Length - 1)
        {
            return false;
        }

        // Decided: the general path reads the same fields from these bytes.
        Span<char> expiryChars = stackalloc char[MaxExpiryChars];
        int expiryLength = expiryKind == ExpiryKind.Text ? Encoding.ASCII.GetChars(payload[expiryText], expiryChars) : 0;
        string? flowTokenText = hasFlowToken ? Encoding.ASCII.GetString(payload[flowToken]) : null;
        if (nonceKind == NonceKind.Text && sealedNonceEscaped)
        {
            Span<byte> unescaped = stackalloc byte[sealedNonce.GetOffsetAndLength(payload.Length).Length];
            int start = sealedNonce.Start.GetOffset(payload.Length);
            TryUnescapeAscii(payload, ref start, unescaped, out int written);
            check = Finish(statusOk, expiryKind, expiryChars[..expiryLength], expiryNumber, nonceKind, unescaped[..written], riskScore, flowTokenText, secretBox, now);
            return true;
        }

        check = Finish(statusOk, expiryKind, expiryChars[..expiryLength], expiryNumber, nonceKind, payload[sealedNonce], riskScore, flowTokenText, secretBox, now);
        return true;
    }

    private enum ValueKind : byte
    {
        String,
        Number,
        Literal,
        Null,
        Array,
    }

    /// <summary>
    /// Moves <paramref name="pos"/> past one JSON value of the fast path's subset (see <see cref="TryCheckPayloadFast"/>);
    /// <see langword="false"/> for anything else, an object included.
    /// </summary>
    private static bool TryScanValue(ReadOnlySpan<byte> json, ref int pos, bool allowArray, out ValueKind kind, out bool escaped)
    {
        kind = ValueKind.String;
        escaped = false;
        if (pos >= json.Length)
        {
            return false;
        }

        switch (json[pos])
        {
            case (byte)'"':
                pos++;
                return TryScanString(json, ref pos, out escaped);
            case (byte)'t':
                kind = ValueKind.Literal;
                return TrySkipLiteral(json, ref pos, "true"u8);
            case (byte)'f':
                kind = ValueKind.Literal;
                return TrySkipLiteral(json, ref pos, "false"u8);
            case (byte)'n':
                kind = ValueKind.Null;
                return TrySkipLiteral(json, ref pos, "null"u8);
            case (byte)'[' when allowArray:
                kind = ValueKind.Array;
                pos++;
                if (pos < json.Length && json[pos] == (byte)']')
                {
                    pos++;
                    return true;
                }

                while (TryScanValue(json, ref pos, allowArray: false, out _, out _) && pos < json.Length)
                {
                    if (json[pos] == (byte)']')
                    {
                        pos++;
                        return true;
                    }

                    if (json[pos] != (byte)',')
                    {
                        return false;
                    }

                    pos++;
                }

                return false;
            default:
                kind = ValueKind.Number;
                return TryScanNumber(json, ref pos);
        }
    }

    /// <summary>
    /// Moves <paramref name="pos"/> (after the opening quote) past the closing quote of a string that
    /// <see cref="TryUnescapeAscii"/> can read: printable ASCII and the escapes <c>\"</c> <c>\\</c> <c>\/</c> <c>\u0000</c>–<c>\u007F</c>.
    /// </summary>
    private static bool TryScanString(ReadOnlySpan<byte> json, ref int pos, out bool escaped)
    {
        escaped = false;
        while (true)
        {
            int run = json[pos..].IndexOfAnyExcept(PlainStringBytes);
            if (run < 0)
            {
                return false;
            }

            pos += run;
            if (json[pos] == (byte)'"')
            {
                pos++;
                return true;
            }

            if (json[pos] != (byte)'\\' || pos + 1 >= json.Length)
            {
                return false;
            }

            escaped = true;
            byte next = json[pos + 1];
            if (next is (byte)'"' or (byte)'\\' or (byte)'/')
            {
                pos += 2;
            }
            else if (next == (byte)'u' && pos + 6 <= json.Length
                && json[pos + 2] == (byte)'0' && json[pos + 3] == (byte)'0'
                && TryHexDigit(json[pos + 4], out int high) && high < 8 && TryHexDigit(json[pos + 5], out _))
            {
                pos += 6;
            }
            else
            {
                return false;
            }
        }
    }

    /// <summary>Moves <paramref name="pos"/> past a number of JSON's grammar: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    private static bool TryScanNumber(ReadOnlySpan<byte> json, ref int pos)
    {
        int at = pos;
        if (at < json.Length && json[at] == (byte)'-')
        {
            at++;
        }

        if (at < json.Length && json[at] == (byte)'0')
        {
            at++;
        }
        else if (!TrySkipDigits(json, ref at))
        {
            return false;
        }

        if (at < json.Length && json[at] == (byte)'.')
        {
            at++;
            if (!TrySkipDigits(json, ref at))
            {
                return false;
            }
        }

        if (at < json.Length && (json[at] | 0x20) == (byte)'e')
        {
            at++;
            if (at < json.Length && json[at] is (byte)'+' or (byte)'-')
            {
                at++;
            }

            if (!TrySkipDigits(json, ref at))
            {
                return false;
            }
        }

        pos = at;
        return true;
    }

    private static bool TrySkipDigits(ReadOnlySpan<byte> json, ref int pos)
    {
        int start = pos;
        while (pos < json.Length && char.IsAsciiDigit((char)json[pos]))
        {
            pos++;
        }

        return pos > start;
    }

    private static bool TrySkipLiteral(ReadOnlySpan<byte> json, ref int pos, ReadOnlySpan<byte> literal)
    {
        if (!json[pos..].StartsWith(literal))
        {
            return false;
        }

        pos += literal.Length;
        return true;
    }

    /// <summary>
    /// A JSON number (its grammar already checked) read as <see cref="Utf8JsonReader.TryGetDouble"/> reads it in the
    /// general path: the invariant UTF-8 parser, the whole text consumed (an overflow reads as an infinity there too).
    /// </summary>
    private static bool TryGetDouble(ReadOnlySpan<byte> number, out double value)
    {
        return System.Buffers.Text.Utf8Parser.TryParse(number, out value, out int consumed) && consumed == number.Length;
    }
}
