using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Shared;

namespace CrafyCaptcha.Protocol;

/// <summary>What the stateless checks (1 to 7 of the protocol) found in a token.</summary>
internal readonly record struct TokenCheck(
    FlowFailure Failure,
    string? Nonce = null,
    string? PayloadJson = null,
    double? RiskScore = null,
    string? FlowToken = null,
    DateTimeOffset? ExpiresAt = null);

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
    private static readonly SearchValues<byte> LowercaseHex = SearchValues.Create("0123456789abcdef"u8);

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
        byte[] payload = ArrayPool<byte>.Shared.Rent(Math.Max(LenientBase64.MaxDecodedLength(token.Length), 16));
        try
        {
            if (!LenientBase64.TryDecode(token, envelope, out int envelopeLength))
            {
                return new(FlowFailure.MalformedToken);
            }

            ReadOnlySpan<byte> json = envelope.AsSpan(0, envelopeLength);
            Span<byte> signatureCopy = stackalloc byte[MaxSignatureBytes];
            scoped ReadOnlySpan<byte> signature;
            int payloadLength;
            if (TryReadEnvelopeFast(json, payload, out payloadLength, out Range signatureRange))
            {
                signature = json[signatureRange];
            }
            else if (TryReadEnvelope(json, payload, out payloadLength, signatureCopy, out int signatureLength))
            {
                signature = signatureCopy[..signatureLength];
            }
            else
            {
                return new(FlowFailure.MalformedToken);
            }

            ReadOnlySpan<byte> payloadUtf8 = payload.AsSpan(0, payloadLength);
            if (!SignatureMatches(secretBox, payloadUtf8, signature))
            {
                return new(FlowFailure.BadSignature);
            }

            return CheckPayload(payloadUtf8, secretBox, now);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(envelope);
            ArrayPool<byte>.Shared.Return(payload, clearArray: true);
        }
    }

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
        if (signature.Length != HmacHexLength || signature.ContainsAnyExcept(LowercaseHex)
            || Convert.FromHexString(signature, expected, out _, out _) != OperationStatus.Done)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[HmacBytes];
        secretBox.ComputeTokenSignature(payload, mac);
        return CryptographicOperations.FixedTimeEquals(mac, expected);
    }

    internal static TokenCheck CheckPayload(ReadOnlySpan<byte> payloadUtf8, SecretBox secretBox, DateTimeOffset now)
    {
        string payloadJson = Encoding.UTF8.GetString(payloadUtf8);
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
                    return new(FlowFailure.MalformedPayload, PayloadJson: payloadJson);
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
                    return new(FlowFailure.MalformedPayload, PayloadJson: payloadJson);
                }
            }
            catch (JsonException)
            {
                return new(FlowFailure.MalformedPayload, PayloadJson: payloadJson);
            }
            catch (InvalidOperationException)
            {
                return new(FlowFailure.MalformedPayload, PayloadJson: payloadJson);
            }

            if (!statusOk)
            {
                return new(FlowFailure.BadStatus, PayloadJson: payloadJson, RiskScore: riskScore, FlowToken: flowToken);
            }

            DateTimeOffset expiresAt = default;
            FlowFailure expiryFailure = expiryKind switch
            {
                ExpiryKind.Missing => FlowFailure.MissingExpiry,
                ExpiryKind.Text when ExpiryParser.TryParse(expiryText[..expiryLength], out expiresAt) => FlowFailure.None,
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
                return new(expiryFailure, PayloadJson: payloadJson, RiskScore: riskScore, FlowToken: flowToken, ExpiresAt: knownExpiry);
            }

            ReadOnlySpan<byte> sealedNonce = sealedNonceCopied ? sealedNonceCopy.AsSpan()[sealedNonceRange] : payloadUtf8[sealedNonceRange];
            FlowFailure nonceFailure = OpenNonce(nonceKind, sealedNonce, secretBox, out string? nonce);
            return new(nonceFailure, nonce, payloadJson, riskScore, flowToken, knownExpiry);
        }
        finally
        {
            if (sealedNonceCopy is not null)
            {
                ArrayPool<byte>.Shared.Return(sealedNonceCopy);
            }
        }
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
