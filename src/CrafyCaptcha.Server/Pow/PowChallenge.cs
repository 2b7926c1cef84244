using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace CrafyCaptcha.Server.Pow;

/// <summary>
/// An ALTCHA-style proof-of-work challenge: find <c>number</c> in [0, maxnumber] with
/// <c>SHA-256(salt + number) == challenge</c>. The salt carries its expiry, flow and credential as ALTCHA salt
/// parameters, and the challenge is HMAC-signed, so the engine checks an answer with one hash and one HMAC and
/// keeps no state but a one-use mark.
/// </summary>
internal sealed record PowChallenge(
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("challenge")] string Challenge,
    [property: JsonPropertyName("maxnumber")] int MaxNumber,
    [property: JsonPropertyName("salt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Salt,
    [property: JsonPropertyName("signature")] string Signature,
    [property: JsonPropertyName("parts"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<PowChallenge>? Parts = null)
{
    public const string Sha256 = ChallengePowOptions.Sha256;

    public const string Argon2id = ChallengePowOptions.Argon2id;

    /// <summary>
    /// A proof-of-work of about <paramref name="maxNumber"/> / 2 hashes. With <paramref name="parts"/> &gt; 1 it is split
    /// into that many independent ALTCHA challenges of <c>ceil(maxNumber / parts)</c> each (this one and its
    /// <see cref="Parts"/>), all to be answered: the same hashes on average, but the sum of several uniform searches
    /// varies far less than one, so the slowest passes get faster while the work never gets smaller. Each salt carries
    /// <c>parts=</c> (authenticated with the challenge), so an answer cannot leave parts out.
    /// </summary>
    public static PowChallenge Create(byte[] hmacKey, string flowToken, string publicKey, int maxNumber, DateTimeOffset expiresAt, int parts = 1)
    {
        int count = Math.Max(parts, 1);
        int each = count == 1 ? maxNumber : (int)(((long)maxNumber + count - 1) / count);
        string partsTerm = count == 1 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"&parts={count}");
        string terms = string.Create(CultureInfo.InvariantCulture, $"?expires={expiresAt.ToUnixTimeSeconds()}&flow={flowToken}&pk={publicKey}{partsTerm}");

        // One draw from the system's generator for all parts (a system call each was ~1.5 µs): per part 12 bytes of
        // salt and 8 for the number, reduced modulo maxnumber + 1 (a bias under 2^-40 at any maxnumber the engine uses).
        Span<byte> random = count <= 64 ? stackalloc byte[count * RandomPerPart] : new byte[count * RandomPerPart];
        RandomNumberGenerator.Fill(random);
        using IncrementalHash hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, hmacKey);
        var all = new PowChallenge[count];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> draw = random.Slice(i * RandomPerPart, RandomPerPart);
            string salt = string.Concat(Convert.ToHexStringLower(draw[..SaltBytes]), terms);
            long number = (long)(BinaryPrimitives.ReadUInt64LittleEndian(draw[SaltBytes..]) % ((ulong)each + 1));
            string challenge = Hash(salt, number);
            all[i] = new PowChallenge(Sha256, challenge, each, salt, Sign(hmac, challenge));
        }

        return count == 1 ? all[0] : all[0] with { Parts = all[1..] };
    }

    private const int SaltBytes = 12;
    private const int RandomPerPart = SaltBytes + sizeof(ulong);

    /// <summary>SHA-256 of the salt and the number (in decimal), lower-case hex: the challenge an answer must give.</summary>
    public static string Hash(string salt, long number)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        Hash(salt, number, digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>Whether SHA-256 of the salt and the number is <paramref name="challenge"/> (lower-case hex).</summary>
    public static bool Answers(string salt, long number, string challenge)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        Hash(salt, number, digest);
        return IsLowerHexOf(digest, challenge);
    }

    private static void Hash(string salt, long number, Span<byte> digest)
    {
        using var text = new Utf8Text(salt, number, stackalloc byte[Utf8Text.OnStack]);
        SHA256.HashData(text.Bytes, digest);
    }

    /// <summary>HMAC-SHA-256 of the challenge under <paramref name="hmacKey"/>, lower-case hex.</summary>
    public static string Sign(byte[] hmacKey, string challenge)
    {
        using IncrementalHash hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, hmacKey);
        return Sign(hmac, challenge);
    }

    /// <summary>The challenge's signature with an HMAC already keyed (one per flow, for all its parts).</summary>
    public static string Sign(IncrementalHash hmac, string challenge)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Mac(hmac, challenge, mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>Whether <paramref name="signature"/> is the challenge's signature (lower-case hex), compared in fixed time.</summary>
    public static bool IsSignedBy(IncrementalHash hmac, string challenge, string signature)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Mac(hmac, challenge, mac);
        return IsLowerHexOf(mac, signature);
    }

    /// <summary>Whether <paramref name="text"/> is exactly <paramref name="digest"/> in lower-case hex, compared in fixed time.</summary>
    private static bool IsLowerHexOf(ReadOnlySpan<byte> digest, string text)
    {
        Span<char> hex = stackalloc char[digest.Length * 2];
        Convert.TryToHexStringLower(digest, hex, out _);
        return CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes((ReadOnlySpan<char>)hex), MemoryMarshal.AsBytes(text.AsSpan()));
    }

    private static void Mac(IncrementalHash hmac, string challenge, Span<byte> mac)
    {
        using var text = new Utf8Text(challenge, null, stackalloc byte[Utf8Text.OnStack]);
        hmac.AppendData(text.Bytes);
        hmac.GetHashAndReset(mac);
    }

    /// <summary>
    /// A text's UTF-8 bytes, then a number's digits if there is one, in a buffer on the caller's stack, or rented from
    /// the shared pool when longer (a salt or an Argon2id challenge sent by a client) and returned when disposed.
    /// </summary>
    private ref struct Utf8Text
    {
        public const int OnStack = 512;
        private readonly byte[]? _rented;

        public Utf8Text(string text, long? number, Span<byte> stack)
        {
            int most = Encoding.UTF8.GetMaxByteCount(text.Length) + 20;
            _rented = most > stack.Length ? ArrayPool<byte>.Shared.Rent(most) : null;
            Span<byte> buffer = _rented ?? stack;
            int length = Encoding.UTF8.GetBytes(text, buffer);
            if (number is { } n)
            {
                n.TryFormat(buffer[length..], out int digits, default, CultureInfo.InvariantCulture);
                length += digits;
            }

            Bytes = buffer[..length];
        }

        public ReadOnlySpan<byte> Bytes { get; }

        public readonly void Dispose()
        {
            if (_rented is not null)
            {
                ArrayPool<byte>.Shared.Return(_rented);
            }
        }
    }

    /// <summary>
    /// The salt's parameters the engine reads (<c>expires</c>, <c>flow</c>, <c>pk</c>, <c>parts</c>; the first of each
    /// name), in one pass over the salt's query.
    /// </summary>
    public static (string? Expires, string? Flow, string? PublicKey, string? Parts) SaltParameters(string salt)
    {
        string? expires = null, flow = null, publicKey = null, parts = null;
        int query = salt.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return (null, null, null, null);
        }

        ReadOnlySpan<char> rest = salt.AsSpan(query + 1);
        while (true)
        {
            int amp = rest.IndexOf('&');
            ReadOnlySpan<char> pair = amp < 0 ? rest : rest[..amp];
            int eq = pair.IndexOf('=');
            if (eq > 0)
            {
                string value = pair[(eq + 1)..].ToString();
                switch (pair[..eq])
                {
                    case "expires":
                        expires ??= value;
                        break;
                    case "flow":
                        flow ??= value;
                        break;
                    case "pk":
                        publicKey ??= value;
                        break;
                    case "parts":
                        parts ??= value;
                        break;
                }
            }

            if (amp < 0)
            {
                return (expires, flow, publicKey, parts);
            }

            rest = rest[(amp + 1)..];
        }
    }
}

/// <summary>
/// What the iframe sends back: the challenge fields and the number it found (for <c>ARGON2ID</c>, the counter, with the
/// key it derived in <see cref="DerivedKey"/>, ALTCHA PoW v2's solution).
/// </summary>
internal sealed record PowSolution(
    [property: JsonPropertyName("algorithm")] string? Algorithm,
    [property: JsonPropertyName("challenge")] string? Challenge,
    [property: JsonPropertyName("number")] long Number,
    [property: JsonPropertyName("salt")] string? Salt,
    [property: JsonPropertyName("signature")] string? Signature,
    [property: JsonPropertyName("derivedKey"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DerivedKey = null);
