using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace CrafyCaptcha.Cryptography;

/// <summary>
/// Base64 read the way the official SDKs read it: standard or URL-safe alphabet, with or without padding,
/// with whitespace, line breaks or other non-alphabet characters ignored; the first <c>=</c> ends the data.
/// The normalised text is decoded by the framework's decoder. Output is always written as standard padded base64.
/// </summary>
internal static class LenientBase64
{
    private const int StackLimit = 2048;

    public static int MaxDecodedLength(int encodedLength) => Math.Max((encodedLength + 3) / 4 * 3, 0);

    public static bool TryDecode(ReadOnlySpan<char> encoded, Span<byte> destination, out int bytesWritten)
    {
        if (encoded.Length <= StackLimit)
        {
            Span<byte> ascii = stackalloc byte[encoded.Length];
            return TryDecode(encoded, destination, ascii, out bytesWritten);
        }

        return TryDecodeNormalised(encoded, destination, out bytesWritten);
    }

    /// <summary>
    /// The same reading, narrowing the text into <paramref name="scratch"/> (a caller's buffer of at least
    /// <paramref name="encoded"/>'s length, not overlapping <paramref name="destination"/>) rather than a zeroed stack buffer.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> encoded, Span<byte> destination, Span<byte> scratch, out int bytesWritten)
    {
        // Fast path: well-formed standard base64, narrowed to ASCII and decoded by the vectorised UTF-8 decoder.
        // The narrowing stops at the first non-ASCII character (InvalidData): one pass over the text, not two.
        if (scratch.Length >= encoded.Length)
        {
            Span<byte> ascii = scratch[..encoded.Length];
            if (Ascii.FromUtf16(encoded, ascii, out _) == OperationStatus.Done
                && Base64.DecodeFromUtf8(ascii, destination, out _, out bytesWritten) == OperationStatus.Done)
            {
                return true;
            }
        }

        return TryDecodeNormalised(encoded, destination, out bytesWritten);
    }

    /// <summary>The same reading of ASCII text given as bytes (a value read from JSON as UTF-8), without widening it when it is well-formed.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> ascii, Span<byte> destination, out int bytesWritten)
    {
        if (Base64.DecodeFromUtf8(ascii, destination, out _, out bytesWritten) == OperationStatus.Done)
        {
            return true;
        }

        char[]? rented = null;
        Span<char> chars = ascii.Length <= StackLimit ? stackalloc char[ascii.Length] : (rented = ArrayPool<char>.Shared.Rent(ascii.Length));
        try
        {
            int count = Encoding.Latin1.GetChars(ascii, chars);
            return TryDecodeNormalised(chars[..count], destination, out bytesWritten);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private static bool TryDecodeNormalised(ReadOnlySpan<char> encoded, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        int capacity = encoded.Length + 3;
        char[]? rented = null;
        Span<char> normalised = capacity <= StackLimit ? stackalloc char[StackLimit] : (rented = ArrayPool<char>.Shared.Rent(capacity));
        try
        {
            int count = 0;
            foreach (char c in encoded)
            {
                if (c == '=')
                {
                    break;
                }

                char mapped = c switch
                {
                    >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/' => c,
                    '-' => '+',
                    '_' => '/',
                    _ => '\0',
                };
                if (mapped != '\0')
                {
                    normalised[count++] = mapped;
                }
            }

            switch (count % 4)
            {
                case 1:
                    return false;
                case 2:
                    normalised[count++] = '=';
                    normalised[count++] = '=';
                    break;
                case 3:
                    normalised[count++] = '=';
                    break;
            }

            return Convert.TryFromBase64Chars(normalised[..count], destination, out bytesWritten);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}
