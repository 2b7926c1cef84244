using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;
using IncrementalHash = System.Security.Cryptography.IncrementalHash;
using NSecHash = NSec.Cryptography.HashAlgorithm;

namespace CrafyCaptcha.Cryptography;

/// <summary>
/// The CrafyCAPTCHA secret box: symmetric encryption keyed by a credential's Secret Key,
/// wire-compatible with the official SDKs. New values are sealed as v3
/// (<c>";v3_;" + base64(nonce24 || XChaCha20-Poly1305 ciphertext)</c>); v2 (Argon2id) and v1 (AES-CBC + HMAC)
/// values can still be opened.
/// </summary>
/// <remarks>
/// Keys are derived once, when the box is created; an instance is thread-safe and meant to live as long as
/// its secret. Opening never throws for bad input: it returns <see langword="false"/>.
/// </remarks>
internal sealed class SecretBox : IDisposable
{
    /// <summary>The prefix of every v3 value (<c>";v3_;"</c>): a cheap check before trying to open a value.</summary>
    public const string V3Prefix = ";v3_;";
    internal const string V2Prefix = ";v2_;";
    private const int AeadNonceBytes = 24;
    private const int AeadTagBytes = 16;
    private const int V2SaltBytes = 16;
    private const int V1IvBytes = 16;
    private const int V1MacBytes = 32;
    private const int StackLimit = 1024;

    private static readonly AeadAlgorithm Aead = AeadAlgorithm.XChaCha20Poly1305;

    private readonly Key _v3Key;
    private readonly byte[] _secretUtf8;
    private readonly byte[] _v1Key;
    private readonly Argon2Gate _argon2Gate;
    private readonly ThreadLocal<IncrementalHash> _tokenHmac;

    /// <summary>Creates a secret box for <paramref name="secretKey"/> (any non-empty text; normally <c>sk_</c> + 64 hex).</summary>
    /// <param name="secretKey">The credential's Secret Key.</param>
    /// <exception cref="ArgumentException">The secret key is null or empty.</exception>
    public SecretBox(string secretKey)
        : this(secretKey, Argon2Gate.Shared)
    {
    }

    internal SecretBox(string secretKey, Argon2Gate argon2Gate)
    {
        ArgumentException.ThrowIfNullOrEmpty(secretKey);
        _argon2Gate = argon2Gate;
        _secretUtf8 = Encoding.UTF8.GetBytes(secretKey);
        _v1Key = SHA256.HashData(_secretUtf8);
        Span<byte> v3KeyBytes = stackalloc byte[32];
        NSecHash.Blake2b_256.Hash(_secretUtf8, v3KeyBytes);
        _v3Key = Key.Import(Aead, v3KeyBytes, KeyBlobFormat.RawSymmetricKey);
        CryptographicOperations.ZeroMemory(v3KeyBytes);
        _tokenHmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secretUtf8), trackAllValues: true);
    }

    /// <summary>
    /// HMAC-SHA256 keyed by the UTF-8 secret (the captcha token's <c>server_sign</c>), with the keyed state prepared
    /// once per thread rather than once per call. A challenge server signs the tokens it issues with this.
    /// </summary>
    /// <param name="payloadUtf8">The token's payload text as UTF-8.</param>
    /// <param name="mac">Receives the 32-byte signature.</param>
    public void ComputeTokenSignature(ReadOnlySpan<byte> payloadUtf8, Span<byte> mac)
    {
        IncrementalHash hmac = _tokenHmac.Value!;
        hmac.AppendData(payloadUtf8);
        hmac.GetHashAndReset(mac);
    }

    /// <summary>Seals <paramref name="plaintext"/> as a v3 value with a fresh random nonce.</summary>
    /// <param name="plaintext">The text to seal; its UTF-8 bytes are encrypted.</param>
    /// <returns><c>";v3_;"</c> followed by standard padded base64.</returns>
    public string Seal(string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        byte[]? rented = null;
        int byteCount = Encoding.UTF8.GetMaxByteCount(plaintext.Length);
        Span<byte> utf8 = byteCount <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(byteCount));
        try
        {
            int written = Encoding.UTF8.GetBytes(plaintext, utf8);
            return Seal(utf8[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
            }
        }
    }

    /// <summary>Seals raw bytes as a v3 value with a fresh random nonce.</summary>
    /// <param name="plaintext">The bytes to seal.</param>
    /// <returns><c>";v3_;"</c> followed by standard padded base64.</returns>
    public string Seal(ReadOnlySpan<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[AeadNonceBytes];
        RandomNumberGenerator.Fill(nonce);
        return Seal(plaintext, nonce);
    }

    /// <summary>Seals with a caller-chosen AEAD nonce: for reproducing the official vectors only.</summary>
    internal string Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aeadNonce)
    {
        int bodyLength = AeadNonceBytes + plaintext.Length + AeadTagBytes;
        byte[]? rented = null;
        Span<byte> body = bodyLength <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(bodyLength));
        try
        {
            body = body[..bodyLength];
            aeadNonce.CopyTo(body);
            Aead.Encrypt(_v3Key, aeadNonce, default, plaintext, body[AeadNonceBytes..]);
            return string.Concat(V3Prefix, Convert.ToBase64String(body));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
            }
        }
    }

    /// <summary>Opens a v3, v2 or v1 value.</summary>
    /// <param name="sealedValue">The value as produced by any official SDK.</param>
    /// <param name="plaintext">The decrypted bytes, or <see langword="null"/> when the value cannot be opened.</param>
    /// <returns><see langword="true"/> when the value opened with this secret.</returns>
    public bool TryOpen(string? sealedValue, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? plaintext)
    {
        plaintext = null;
        if (string.IsNullOrEmpty(sealedValue))
        {
            return false;
        }

        int maxLength = MaxPlaintextLength(sealedValue);
        if (maxLength < 0)
        {
            return false;
        }

        byte[] buffer = new byte[maxLength];
        if (!TryOpen(sealedValue, buffer, out int written))
        {
            return false;
        }

        plaintext = written == buffer.Length ? buffer : buffer[..written];
        return true;
    }

    /// <summary>Opens a v3, v2 or v1 value into <paramref name="destination"/> without allocating.</summary>
    /// <param name="sealedValue">The value to open.</param>
    /// <param name="destination">Where the plaintext goes; at least <see cref="MaxPlaintextLength"/> bytes.</param>
    /// <param name="bytesWritten">How many plaintext bytes were written.</param>
    /// <returns><see langword="true"/> when the value opened.</returns>
    internal bool TryOpen(ReadOnlySpan<char> sealedValue, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (sealedValue.StartsWith(V3Prefix, StringComparison.Ordinal))
        {
            return TryOpenAead(sealedValue[V3Prefix.Length..], saltLength: 0, destination, out bytesWritten);
        }

        if (sealedValue.StartsWith(V2Prefix, StringComparison.Ordinal))
        {
            return TryOpenAead(sealedValue[V2Prefix.Length..], V2SaltBytes, destination, out bytesWritten);
        }

        return TryOpenV1(sealedValue, destination, out bytesWritten);
    }

    /// <summary>
    /// Opens a v3 value given as ASCII bytes (as read from JSON) into <paramref name="destination"/>: the same result
    /// as the text overload, without widening the value to UTF-16 first.
    /// </summary>
    /// <param name="sealedValue">The value to open: ASCII, starting with <see cref="V3Prefix"/>.</param>
    /// <param name="destination">Where the plaintext goes; at least <see cref="MaxV3PlaintextLength"/> bytes.</param>
    /// <param name="bytesWritten">How many plaintext bytes were written.</param>
    /// <returns><see langword="true"/> when the value opened.</returns>
    internal bool TryOpenV3Ascii(ReadOnlySpan<byte> sealedValue, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        ReadOnlySpan<byte> base64 = sealedValue[V3Prefix.Length..];
        int maxDecoded = LenientBase64.MaxDecodedLength(base64.Length);
        byte[]? rented = null;
        Span<byte> raw = maxDecoded <= StackLimit ? stackalloc byte[maxDecoded] : (rented = ArrayPool<byte>.Shared.Rent(maxDecoded));
        try
        {
            return LenientBase64.TryDecode(base64, raw, out int rawLength) && TryOpenAead(raw[..rawLength], saltLength: 0, destination, out bytesWritten);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The bound of <see cref="MaxPlaintextLength"/> for a v3 value of <paramref name="length"/> characters.</summary>
    internal static int MaxV3PlaintextLength(int length)
        => Math.Max(LenientBase64.MaxDecodedLength(length - V3Prefix.Length) - AeadNonceBytes - AeadTagBytes, 0);

    /// <summary>An upper bound of the plaintext length of <paramref name="sealedValue"/>, or -1 when it is too short to be valid.</summary>
    internal static int MaxPlaintextLength(ReadOnlySpan<char> sealedValue)
    {
        if (sealedValue.StartsWith(V3Prefix, StringComparison.Ordinal) || sealedValue.StartsWith(V2Prefix, StringComparison.Ordinal))
        {
            int decoded = LenientBase64.MaxDecodedLength(sealedValue.Length - V3Prefix.Length);
            return Math.Max(decoded - AeadNonceBytes - AeadTagBytes, 0);
        }

        int bytes = sealedValue.Length / 2;
        return bytes < V1IvBytes + V1MacBytes ? -1 : bytes - V1IvBytes - V1MacBytes;
    }

    private bool TryOpenAead(ReadOnlySpan<char> base64, int saltLength, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        int maxDecoded = LenientBase64.MaxDecodedLength(base64.Length);
        byte[]? rented = null;
        Span<byte> raw = maxDecoded <= StackLimit ? stackalloc byte[maxDecoded] : (rented = ArrayPool<byte>.Shared.Rent(maxDecoded));
        try
        {
            return LenientBase64.TryDecode(base64, raw, out int rawLength) && TryOpenAead(raw[..rawLength], saltLength, destination, out bytesWritten);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private bool TryOpenAead(ReadOnlySpan<byte> raw, int saltLength, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (raw.Length < saltLength + AeadNonceBytes + AeadTagBytes)
        {
            return false;
        }

        ReadOnlySpan<byte> nonce = raw.Slice(saltLength, AeadNonceBytes);
        ReadOnlySpan<byte> ciphertext = raw[(saltLength + AeadNonceBytes)..];
        int plaintextLength = ciphertext.Length - AeadTagBytes;
        if (destination.Length < plaintextLength)
        {
            return false;
        }

        bool opened;
        if (saltLength == 0)
        {
            opened = Aead.Decrypt(_v3Key, nonce, default, ciphertext, destination[..plaintextLength]);
        }
        else
        {
            using Key? v2Key = _argon2Gate.DeriveKey(_secretUtf8, raw[..saltLength], Aead);
            opened = v2Key is not null && Aead.Decrypt(v2Key, nonce, default, ciphertext, destination[..plaintextLength]);
        }

        bytesWritten = opened ? plaintextLength : 0;
        return opened;
    }

    private bool TryOpenV1(ReadOnlySpan<char> hex, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (hex.Length % 2 != 0 || hex.Length < 2 * (V1IvBytes + V1MacBytes + 16))
        {
            return false;
        }

        int rawLength = hex.Length / 2;
        byte[]? rented = null;
        Span<byte> raw = rawLength <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(rawLength));
        try
        {
            raw = raw[..rawLength];
            if (Convert.FromHexString(hex, raw, out _, out int decoded) != OperationStatus.Done || decoded != rawLength)
            {
                return false;
            }

            ReadOnlySpan<byte> iv = raw[..V1IvBytes];
            ReadOnlySpan<byte> mac = raw.Slice(V1IvBytes, V1MacBytes);
            ReadOnlySpan<byte> ciphertext = raw[(V1IvBytes + V1MacBytes)..];
            if (ciphertext.Length % 16 != 0)
            {
                return false;
            }

            Span<byte> expectedMac = stackalloc byte[V1MacBytes];
            HMACSHA256.HashData(_v1Key, ciphertext, expectedMac);
            if (!CryptographicOperations.FixedTimeEquals(mac, expectedMac))
            {
                return false;
            }

            using Aes aes = Aes.Create();
            aes.Key = _v1Key;
            if (destination.Length < ciphertext.Length)
            {
                return false;
            }

            return aes.TryDecryptCbc(ciphertext, iv, destination, out bytesWritten, PaddingMode.PKCS7);
        }
        catch (CryptographicException)
        {
            bytesWritten = 0;
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _v3Key.Dispose();
        foreach (IncrementalHash hmac in _tokenHmac.Values)
        {
            hmac.Dispose();
        }

        _tokenHmac.Dispose();
    }
}
