using System.Globalization;
using System.Text.Json;

namespace CrafyCaptcha.Server.Pow;

/// <summary>
/// What a proof-of-work challenge says about itself, whatever its algorithm: the flow and credential it was made for, its
/// expiry, how many parts its flow's work has, and (Argon2id) the key's prefix and signature. For SHA-256 they come from
/// the salt's parameters; for Argon2id from ALTCHA PoW v2's parameters (the challenge text), whose algorithm must be
/// Argon2id too. Trusted only once the challenge's signature is checked.
/// </summary>
internal sealed record PowTerms(string Algorithm, string? Flow, string? PublicKey, long? Expires, string? Parts, string? KeyPrefix = null, string? KeySignature = null)
{
    /// <summary>The terms of <paramref name="solution"/>'s challenge, or <see langword="null"/> when it is not one the engine makes.</summary>
    public static PowTerms? Of(PowSolution solution)
    {
        if (solution.Algorithm == PowChallenge.Sha256 && solution.Salt is { } salt)
        {
            (string? expiresText, string? flow, string? publicKey, string? parts) = PowChallenge.SaltParameters(salt);
            return new PowTerms(PowChallenge.Sha256, flow, publicKey,
                long.TryParse(expiresText, NumberStyles.None, CultureInfo.InvariantCulture, out long expires) ? expires : null, parts);
        }

        return solution.Algorithm == PowChallenge.Argon2id && solution.Challenge is { } challenge ? OfParameters(challenge) : null;
    }

    private static PowTerms? OfParameters(string parameters)
    {
        try
        {
            using var json = JsonDocument.Parse(parameters);
            JsonElement root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "algorithm") != PowChallenge.Argon2id
                || !root.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            long? expires = root.TryGetProperty("expiresAt", out JsonElement e) && e.TryGetInt64(out long at) ? at : null;
            string? parts = data.TryGetProperty("parts", out JsonElement p) && p.ValueKind == JsonValueKind.Number ? p.GetRawText() : null;
            return new PowTerms(PowChallenge.Argon2id, Text(data, "flow"), Text(data, "pk"), expires, parts, Text(root, "keyPrefix"), Text(root, "keySignature"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name)
        => element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
