using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Shared;

namespace CrafyCaptcha.Protocol;

/// <summary>What the stateless checks (1 to 7 of the protocol) found in a token.</summary>
/// <remarks>
/// The signed payload's text is not kept: once the signature has been checked, <see cref="PayloadToken"/> is the token
/// it came from, and <see cref="PayloadJson"/> reads the text from it again when asked (most verifications never ask).
/// </remarks>
internal readonly record struct TokenCheck(
    FlowFailure Failure,
    string? Nonce = null,
    double? RiskScore = null,
    string? FlowToken = null,
    DateTimeOffset? ExpiresAt = null,
    string? PayloadToken = null)
{
    /// <summary>The signed payload text, once its signature has been checked; <see langword="null"/> before that.</summary>
    public string? PayloadJson => PayloadToken is null ? null : CaptchaTokenReader.ReadPayloadJson(PayloadToken);

    /// <summary>The outcome only: never the token (a bearer credential until its nonce is spent) nor its payload.</summary>
    public override string ToString() => $"TokenCheck {{ Failure = {Failure} }}";
}

/// <summary>
/// The stateless part of <c>verifyFlow</c>: envelope, constant-time HMAC, payload, status, expiry and sealed nonce,
/// in the protocol's order. Works on pooled buffers and never throws for bad input.
/// </summary>
internal static class CaptchaTokenReader
{
    private const int HmacHexLength = 64;
    private const int HmacBytes = 32;
    private const int MaxSignatureBytes = 256;
    private const int MaxExpiryChars = 64;
    private const int MaxSealedNonceChars = 2048;
    private const int NonceHexLength = 64;
    private const int MaxStackPlaintext = 128;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 32 };

    /// <summary>The bytes a JSON string may hold as they are, in the envelope's fast path: printable ASCII but <c>"</c> and <c>\</c>.</summary>
    private static readonly SearchValues<byte> PlainStringBytes = SearchValues.Create(
        " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~\u007f"u8);

    private enum ExpiryKind : byte
    {
        Missing,
        Text,
        Number,
        Invalid,
    }

    private enum NonceKind : byte
    {
        Missing,
        Text,
        Invalid,
    }

    public static TokenCheck Check(string? token, SecretBox secretBox, DateTimeOffset now, int maxTokenLength)
    {
        if (string.IsNullOrEmpty(token))
        {
            return new(FlowFailure.MissingToken);
        }

        if (token.Length > maxTokenLength)
        {
            return new(FlowFailure.TokenTooLarge);
        }

        byte[] envelope = ArrayPool<byte>.Shared.Rent(LenientBase64.MaxDecodedLength(token.Length));

        // The payload's buffer first holds the token narrowed to ASCII for the base64 decoder (no zeroed stack copy).
        byte[] payload = ArrayPool<byte>.Shared.Rent(Math.Max(token.Length, 16));
        try
        {
            if (!LenientBase64.TryDecode(token, envelope, payload, out int envelopeLength))
            {
                return new(FlowFailure.MalformedToken);
            }

            ReadOnlySpan<byte> json = envelope.AsSpan(0, envelopeLength);
            if (TryReadEnvelopeFast(json, payload, out int payloadLength, out Range signatureRange))
            {
                return CheckSigned(token, payload.AsSpan(0, payloadLength), json[signatureRange], secretBox, now);
            }

            // Only the general path copies the signature: no zeroed stack buffer on the fast path.
            Span<byte> signatureCopy = stackalloc byte[MaxSignatureBytes];
            return TryReadEnvelope(json, payload, out payloadLength, signatureCopy, out int signatureLength)
                ? CheckSigned(token, payload.AsSpan(0, payloadLength), signatureCopy[..signatureLength], secretBox, now)
                : new(FlowFailure.MalformedToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(envelope);
            ArrayPool<byte>.Shared.Return(payload, clearArray: true);
        }
    }

    /// <summary>
    /// The payload text of a token whose envelope <see cref="Check"/> read (the same bytes, as a string), or
    /// <see langword="null"/> when the envelope cannot be read.
    /// </summary>
    internal static string? ReadPayloadJson(string token)
    {
        // The same decoder as Check (the payload's buffer is its scratch first): the text is the bytes that were verified.
        byte[] envelope = ArrayPool<byte>.Shared.Rent(LenientBase64.MaxDecodedLength(token.Length));
        byte[] payload = ArrayPool<byte>.Shared.Rent(Math.Max(token.Length, 16));
        try
        {
            if (!LenientBase64.TryDecode(token, envelope, payload, out int envelopeLength))
            {
                return null;
            }

            ReadOnlySpan<byte> json = envelope.AsSpan(0, envelopeLength);
            Span<byte> signature = stackalloc byte[MaxSignatureBytes];
            return TryReadEnvelopeFast(json, payload, out int payloadLength, out _) || TryReadEnvelope(json, payload, out payloadLength, signature, out _)
                ? Encoding.UTF8.GetString(payload, 0, payloadLength)
                : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(envelope);
            ArrayPool<byte>.Shared.Return(payload, clearArray: true);
        }
    }

    private static TokenCheck CheckSigned(string token, ReadOnlySpan<byte> payloadUtf8, ReadOnlySpan<byte> signature, SecretBox secretBox, DateTimeOffset now)
        => SignatureMatches(secretBox, payloadUtf8, signature)
            ? CheckPayload(payloadUtf8, secretBox, now) with { PayloadToken = token }
            : new(FlowFailure.BadSignature);

    /// <summary>Reads <c>payload</c> (unescaped, as UTF-8) and <c>server_sign</c>; the last occurrence of a key wins, as in JSON.parse.</summary>
    internal static bool TryReadEnvelope(ReadOnlySpan<byte> json, Span<byte> payload, out int payloadLength, Span<byte> signature, out int signatureLength)
    {
        payloadLength = -1;
        signatureLength = -1;
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("payload"u8))
                {
                    reader.Read();
                    payloadLength = reader.TokenType == JsonTokenType.String ? reader.CopyString(payload) : -1;
                }
                else if (reader.ValueTextEquals("server_sign"u8))
                {
                    reader.Read();
                    signatureLength = reader.TokenType != JsonTokenType.String ? -1
                        : ValueLength(ref reader) > signature.Length ? signature.Length
                        : reader.CopyString(signature);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        return payloadLength > 0 && signatureLength > 0;
    }

    /// <summary>
    /// The envelope as the challenge servers write it, read in one pass: <c>{"payload":"…","server_sign":"…"}</c>
    /// (either order, no whitespace, each key once), the payload's printable ASCII copied in vectorised runs and
    /// its escapes <c>\"</c> <c>\\</c> <c>\/</c> and <c>\u0000</c>–<c>\u007F</c> decoded, the signature plain ASCII.
    /// Anything else (whitespace, other keys or escapes, a key twice, non-ASCII bytes, an empty value) is left to
    /// <see cref="TryReadEnvelope"/>: when this returns <see langword="true"/>, that method returns the same payload
    /// and signature; when it returns <see langword="false"/>, nothing is decided.
    /// </summary>
    internal static bool TryReadEnvelopeFast(ReadOnlySpan<byte> json, Span<byte> payload, out int payloadLength, out Range signature)
    {
        payloadLength = 0;
        signature = default;
        if (json.IsEmpty || json[0] != (byte)'{')
        {
            return false;
        }

        bool sawPayload = false;
        bool sawSignature = false;
        int pos = 1;
        while (true)
        {
            ReadOnlySpan<byte> rest = json[pos..];
            if (!sawPayload && rest.StartsWith("\"payload\":\""u8))
            {
                sawPayload = true;
                pos += 11;
                if (!TryUnescapeAscii(json, ref pos, payload, out payloadLength) || payloadLength == 0)
                {
                    return false;
                }
            }
            else if (!sawSignature && rest.StartsWith("\"server_sign\":\""u8))
            {
                sawSignature = true;
                pos += 15;
                int length = json[pos..].IndexOfAnyExcept(PlainStringBytes);
                if (length <= 0 || json[pos + length] != (byte)'"')
                {
                    return false;
                }

                signature = new Range(pos, pos + length);
                pos += length + 1;
            }
            else
            {
                return false;
            }

            if (pos >= json.Length)
            {
                return false;
            }

            if (json[pos] == (byte)',')
            {
                pos++;
                continue;
            }

            return json[pos] == (byte)'}' && pos == json.Length - 1 && sawPayload && sawSignature;
        }
    }

    /// <summary>
    /// Copies the JSON string starting at <paramref name="pos"/> (after its opening quote) into <paramref name="destination"/>
    /// unescaped, and moves <paramref name="pos"/> past its closing quote; <see langword="false"/> for anything but
    /// printable ASCII and the escapes <c>\"</c> <c>\\</c> <c>\/</c> <c>\u0000</c>–<c>\u007F</c>.
    /// </summary>
    private static bool TryUnescapeAscii(ReadOnlySpan<byte> json, ref int pos, Span<byte> destination, out int written)
    {
        written = 0;
        while (true)
        {
            ReadOnlySpan<byte> rest = json[pos..];
            int run = rest.IndexOfAnyExcept(PlainStringBytes);
            if (run < 0 || written + run > destination.Length)
            {
                return false;
            }

            rest[..run].CopyTo(destination[written..]);
            written += run;
            pos += run;
            byte next = json[pos];
            if (next == (byte)'"')
            {
                pos++;
                return true;
            }

            if (next != (byte)'\\' || pos + 1 >= json.Length || written >= destination.Length)
            {
                return false;
            }

            byte escaped = json[pos + 1];
            if (escaped is (byte)'"' or (byte)'\\' or (byte)'/')
            {
                destination[written++] = escaped;
                pos += 2;
            }
            else if (escaped == (byte)'u' && pos + 6 <= json.Length
                && json[pos + 2] == (byte)'0' && json[pos + 3] == (byte)'0'
                && TryHexDigit(json[pos + 4], out int high) && high < 8 && TryHexDigit(json[pos + 5], out int low))
            {
                destination[written++] = (byte)((high << 4) | low);
                pos += 6;
            }
            else
            {
                return false;
            }
        }
    }

    private static bool TryHexDigit(byte c, out int value)
    {
        value = c switch
        {
            >= (byte)'0' and <= (byte)'9' => c - '0',
            >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
            >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }

    private static int ValueLength(ref Utf8JsonReader reader) => reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;

    private static bool SignatureMatches(SecretBox secretBox, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        // The signature is 64 lowercase hex characters (anything else never matched the lowercase hex of the MAC):
        // decoded once and compared as bytes, in constant time.
        Span<byte> expected = stackalloc byte[HmacBytes];
        if (signature.Length != HmacHexLength || signature.ContainsAnyExcept(NonceHex.LowercaseHexBytes)
            || Convert.FromHexString(signature, expected, out _, out _) != OperationStatus.Done)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[HmacBytes];
        secretBox.ComputeTokenSignature(payload, mac);
        return CryptographicOperations.FixedTimeEquals(mac, expected);
    }

    /// <summary>Checks 3 to 7 on a payload whose signature matched: the one-pass reader, else the general one.</summary>
    internal static TokenCheck CheckPayload(ReadOnlySpan<byte> payloadUtf8, SecretBox secretBox, DateTimeOffset now)
        => TryCheckPayloadFast(payloadUtf8, secretBox, now, out TokenCheck check) ? check : CheckPayloadGeneral(payloadUtf8, secretBox, now);

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

    /// <summary>
    /// Where the sealed nonce's text is: its bytes in the payload itself when the JSON string has no escapes (no copy),
    /// otherwise unescaped into <paramref name="copy"/> (rented on first use).
    /// </summary>
    private static (NonceKind Kind, Range Value, bool Copied) ReadNonce(ref Utf8JsonReader reader, ref byte[]? copy)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return (NonceKind.Missing, default, false);
            case JsonTokenType.String:
                int length = ValueLength(ref reader);
                if (length == 0)
                {
                    return (NonceKind.Missing, default, false);
                }

                if (length > MaxSealedNonceChars)
                {
                    return (NonceKind.Invalid, default, false);
                }

                if (!reader.ValueIsEscaped && !reader.HasValueSequence)
                {
                    // A string token starts at its opening quote.
                    int start = checked((int)reader.TokenStartIndex) + 1;
                    return (NonceKind.Text, new Range(start, start + length), false);
                }

                copy ??= ArrayPool<byte>.Shared.Rent(MaxSealedNonceChars);
                return (NonceKind.Text, new Range(0, reader.CopyString(copy)), true);
            default:
                reader.Skip();
                return (NonceKind.Invalid, default, false);
        }
    }

    private static FlowFailure OpenNonce(NonceKind kind, ReadOnlySpan<byte> sealedNonce, SecretBox secretBox, out string? nonce)
    {
        nonce = null;
        if (kind == NonceKind.Missing)
        {
            return FlowFailure.MissingNonce;
        }

        if (kind == NonceKind.Invalid)
        {
            return FlowFailure.UndecryptableNonce;
        }

        if (!sealedNonce.StartsWith(";v3_;"u8) || !Ascii.IsValid(sealedNonce))
        {
            // Not a well-formed v3 value (v2, v1 or garbage): read it as text, to keep every outcome.
            char[] text = ArrayPool<char>.Shared.Rent(sealedNonce.Length);
            try
            {
                int count = Encoding.UTF8.GetChars(sealedNonce, text);
                return OpenNonceText(text.AsSpan(0, count), secretBox, out nonce);
            }
            finally
            {
                ArrayPool<char>.Shared.Return(text);
            }
        }

        int maxPlaintext = SecretBox.MaxV3PlaintextLength(sealedNonce.Length);
        if (maxPlaintext <= 0)
        {
            return FlowFailure.UndecryptableNonce;
        }

        byte[]? rented = null;
        Span<byte> plaintext = maxPlaintext <= MaxStackPlaintext ? stackalloc byte[MaxStackPlaintext] : (rented = ArrayPool<byte>.Shared.Rent(maxPlaintext));
        try
        {
            return secretBox.TryOpenV3Ascii(sealedNonce, plaintext, out int length) && length > 0
                ? ReadOpenedNonce(plaintext[..length], out nonce)
                : FlowFailure.UndecryptableNonce;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static FlowFailure OpenNonceText(ReadOnlySpan<char> sealedNonce, SecretBox secretBox, out string? nonce)
    {
        nonce = null;
        int maxPlaintext = SecretBox.MaxPlaintextLength(sealedNonce);
        if (maxPlaintext <= 0)
        {
            return FlowFailure.UndecryptableNonce;
        }

        byte[] plaintext = ArrayPool<byte>.Shared.Rent(maxPlaintext);
        try
        {
            return secretBox.TryOpen(sealedNonce, plaintext, out int length) && length > 0
                ? ReadOpenedNonce(plaintext.AsSpan(0, length), out nonce)
                : FlowFailure.UndecryptableNonce;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plaintext);
        }
    }

    private static FlowFailure ReadOpenedNonce(ReadOnlySpan<byte> opened, out string? nonce)
    {
        nonce = null;
        if (!NonceHex.IsLowercaseHex(opened, NonceHexLength))
        {
            return FlowFailure.InvalidNonce;
        }

        nonce = Encoding.ASCII.GetString(opened);
        return FlowFailure.None;
    }
}
