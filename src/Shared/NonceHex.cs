using System.Security.Cryptography;

namespace CrafyCaptcha.Shared;

/// <summary>The flow nonce's text form: 32 random bytes as 64 lowercase hex characters (the protocol's nonce).</summary>
internal static class NonceHex
{
    /// <summary>The 16 lowercase hex digits.</summary>
    public static readonly System.Buffers.SearchValues<byte> LowercaseHexBytes = System.Buffers.SearchValues.Create("0123456789abcdef"u8);

    /// <summary>The length of a nonce in characters.</summary>
    public const int Length = 64;

    /// <summary>A fresh random nonce.</summary>
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[Length / 2];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary><see langword="true"/> when <paramref name="value"/> is exactly <paramref name="length"/> lowercase hex characters.</summary>
    public static bool IsLowercaseHex(ReadOnlySpan<byte> value, int length = Length)
        => value.Length == length && !value.ContainsAnyExcept(LowercaseHexBytes);
}
