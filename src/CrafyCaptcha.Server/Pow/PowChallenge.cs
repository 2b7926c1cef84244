using System.Globalization;
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
        if (parts <= 1)
        {
            return Single(hmacKey, flowToken, publicKey, maxNumber, expiresAt, string.Empty);
        }

        int each = (int)(((long)maxNumber + parts - 1) / parts);
        string suffix = string.Create(CultureInfo.InvariantCulture, $"&parts={parts}");
        var all = new PowChallenge[parts];
        for (int i = 0; i < parts; i++)
        {
            all[i] = Single(hmacKey, flowToken, publicKey, each, expiresAt, suffix);
        }

        return all[0] with { Parts = all[1..] };
    }

    private static PowChallenge Single(byte[] hmacKey, string flowToken, string publicKey, int maxNumber, DateTimeOffset expiresAt, string suffix)
    {
        string salt = string.Create(CultureInfo.InvariantCulture, $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}?expires={expiresAt.ToUnixTimeSeconds()}&flow={flowToken}&pk={publicKey}{suffix}");
        int number = RandomNumberGenerator.GetInt32(0, maxNumber + 1);
        string challenge = Hash(salt, number);
        return new PowChallenge(Sha256, challenge, maxNumber, salt, Sign(hmacKey, challenge));
    }

    public static string Hash(string salt, long number)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(salt + number.ToString(CultureInfo.InvariantCulture))));

    public static string Sign(byte[] hmacKey, string challenge)
        => Convert.ToHexStringLower(HMACSHA256.HashData(hmacKey, Encoding.UTF8.GetBytes(challenge)));

    /// <summary>Reads a salt parameter (<c>expires</c>, <c>flow</c>, <c>pk</c>).</summary>
    public static string? SaltParameter(string salt, string name)
    {
        int query = salt.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return null;
        }

        foreach (string pair in salt[(query + 1)..].Split('&'))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && pair.AsSpan(0, eq).SequenceEqual(name))
            {
                return pair[(eq + 1)..];
            }
        }

        return null;
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
