using System.Text.Json;

namespace CrafyCaptcha.Protocol;

// Check 2 of the token: its envelope (<c>payload</c> and <c>server_sign</c>), with <see cref="Utf8JsonReader"/> and, for the plain-ASCII envelope every SDK writes, a one-pass scanner.
internal static partial class CaptchaTokenReader
{
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
}
