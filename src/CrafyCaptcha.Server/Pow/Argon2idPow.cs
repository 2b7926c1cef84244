using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using NSec.Cryptography;

namespace CrafyCaptcha.Server.Pow;

/// <summary>
/// ALTCHA PoW v2 with Argon2id in its deterministic effort mode: the engine picks the counter, derives the key
/// (libsodium's Argon2id through NSec: password = the nonce's 16 bytes + the counter as a big-endian uint32, the salt's
/// 16 bytes) once, and publishes the key's first half as <c>keyPrefix</c> and an HMAC of the whole key as
/// <c>keySignature</c>. The browser searches counters from 0 until a key starts with the prefix; the engine checks the
/// key it sends with one HMAC, never a second derivation. The parameters are ALTCHA's (<c>algorithm</c>, <c>nonce</c>,
/// <c>salt</c>, <c>cost</c> = passes, <c>memoryCost</c> in KiB, <c>parallelism</c>, <c>keyLength</c>,
/// <c>keyPrefix</c>, <c>keySignature</c>, <c>expiresAt</c>, <c>data</c>), serialised as JSON with sorted keys; the
/// signature is HMAC-SHA-256 of that text, as ALTCHA's. <c>data</c> carries the flow, the credential's public key and
/// the number of parts, so an answer binds to one flow as the SHA-256 salt's parameters do.
/// </summary>
internal static class Argon2idPow
{
    public const int KeyLength = 32;
    public const int PrefixLength = KeyLength / 2;
    private const int ByteLength = 16;

    private static readonly JsonWriterOptions Canonical = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// <paramref name="counters"/> counters in all, split into <paramref name="parts"/> challenges of
    /// <c>ceil(counters / parts)</c> each (this one and its <see cref="PowChallenge.Parts"/>), every one to be answered.
    /// </summary>
    public static PowChallenge Create(byte[] hmacKey, string flowToken, string publicKey, int counters, DateTimeOffset expiresAt, int parts, int memoryKiB, int iterations)
    {
        parts = Math.Max(1, parts);
        int each = (int)(((long)Math.Max(1, counters) + parts - 1) / parts);
        var all = new PowChallenge[parts];
        for (int i = 0; i < parts; i++)
        {
            all[i] = Single(hmacKey, flowToken, publicKey, each, expiresAt, parts, memoryKiB, iterations);
        }

        return parts == 1 ? all[0] : all[0] with { Parts = all[1..] };
    }

    private static PowChallenge Single(byte[] hmacKey, string flowToken, string publicKey, int maxCounter, DateTimeOffset expiresAt, int parts, int memoryKiB, int iterations)
    {
        byte[] nonce = RandomNumberGenerator.GetBytes(ByteLength), salt = RandomNumberGenerator.GetBytes(ByteLength);
        int counter = RandomNumberGenerator.GetInt32(0, maxCounter + 1);
        byte[] key = Derive(nonce, counter, salt, memoryKiB, iterations);
        string parameters;
        try
        {
            parameters = Parameters(nonce, salt, key, KeySignature(hmacKey, key), flowToken, publicKey, expiresAt, parts, memoryKiB, iterations);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return new PowChallenge(PowChallenge.Argon2id, parameters, maxCounter, null, PowChallenge.Sign(hmacKey, parameters));
    }

    /// <summary>The Argon2id key of <paramref name="nonce"/> and <paramref name="counter"/> (what the browser computes per counter).</summary>
    public static byte[] Derive(ReadOnlySpan<byte> nonce, int counter, ReadOnlySpan<byte> salt, int memoryKiB, int iterations)
    {
        Span<byte> password = stackalloc byte[nonce.Length + 4];
        nonce.CopyTo(password);
        BinaryPrimitives.WriteUInt32BigEndian(password[nonce.Length..], (uint)counter);
        var argon2id = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = memoryKiB, NumberOfPasses = iterations });
        byte[] key = new byte[KeyLength];
        argon2id.DeriveBytes(password, salt, key); // the byte overload: the string one would hash UTF-16
        return key;
    }

    /// <summary>HMAC-SHA-256 of a derived key under a key of its own (ALTCHA's <c>hmacKeySignatureSecret</c>), hex.</summary>
    public static string KeySignature(byte[] powKey, ReadOnlySpan<byte> derivedKey)
        => Convert.ToHexStringLower(HMACSHA256.HashData(KeySignatureKey(powKey), derivedKey));

    private static byte[] KeySignatureKey(byte[] powKey) => HMACSHA256.HashData(powKey, "crafy-pow-v2-key-signature"u8);

    private static string Parameters(byte[] nonce, byte[] salt, byte[] key, string keySignature, string flowToken, string publicKey, DateTimeOffset expiresAt, int parts, int memoryKiB, int iterations)
    {
        using var buffer = new MemoryStream(512);
        using (var json = new Utf8JsonWriter(buffer, Canonical))
        {
            // Keys in ordinal order, as ALTCHA's sortKeys + JSON.stringify write them.
            json.WriteStartObject();
            json.WriteString("algorithm", PowChallenge.Argon2id);
            json.WriteNumber("cost", iterations);
            json.WriteStartObject("data");
            json.WriteString("flow", flowToken);
            if (parts > 1)
            {
                json.WriteNumber("parts", parts);
            }

            json.WriteString("pk", publicKey);
            json.WriteEndObject();
            json.WriteNumber("expiresAt", expiresAt.ToUnixTimeSeconds());
            json.WriteNumber("keyLength", KeyLength);
            json.WriteString("keyPrefix", Convert.ToHexStringLower(key.AsSpan(0, PrefixLength)));
            json.WriteString("keySignature", keySignature);
            json.WriteNumber("memoryCost", memoryKiB);
            json.WriteString("nonce", Convert.ToHexStringLower(nonce));
            json.WriteNumber("parallelism", 1);
            json.WriteString("salt", Convert.ToHexStringLower(salt));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
