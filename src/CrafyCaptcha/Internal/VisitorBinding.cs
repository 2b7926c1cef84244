using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace CrafyCaptcha.Internal;

/// <summary>
/// Binds a flow to the visitor that will post its token (<see cref="FlowOptions.Visitor"/>): a keyed hash of the
/// visitor (HMAC-SHA256 under a key derived from the Secret Key with HKDF) is stored in the flow's server-side context,
/// and verification recomputes it for the visitor that posted the token. Nothing of it reaches the browser or the
/// challenge server, and the visitor's own value is never stored.
/// </summary>
internal sealed class VisitorBinding
{
    /// <summary>The reserved key of the stored context that holds the visitor's hash.</summary>
    public const string ContextKey = "crafy_visitor";

    private const int HashBytes = 16;
    private readonly byte[] _key;

    public VisitorBinding(string secretKey)
        => _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secretKey), 32, [], "CrafyCaptcha.VisitorBinding.v1"u8.ToArray());

    /// <summary>The keyed hash of <paramref name="visitor"/> as stored (32 lowercase hex characters).</summary>
    public string Hash(string visitor)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(visitor), mac);
        return Convert.ToHexStringLower(mac[..HashBytes]);
    }

    /// <summary>
    /// Whether <paramref name="visitor"/> may post the flow whose parsed stored context is <paramref name="stored"/>:
    /// always for a flow that is not bound, only the same visitor (compared in constant time) for a bound one.
    /// </summary>
    public bool Matches(JsonObject? stored, string? visitor)
    {
        if (stored is null || !stored.TryGetPropertyValue(ContextKey, out JsonNode? node))
        {
            return true;
        }

        return node is JsonValue value
            && value.TryGetValue(out string? hash)
            && visitor is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(visitor)), Encoding.ASCII.GetBytes(hash));
    }
}
