using System.Buffers;
using System.Text;
using System.Text.Json;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Shared;

namespace CrafyCaptcha.Protocol;

// Check 7: the sealed nonce, opened with the credential's secret box and checked to be 64 lowercase hex characters.
internal static partial class CaptchaTokenReader
{
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
