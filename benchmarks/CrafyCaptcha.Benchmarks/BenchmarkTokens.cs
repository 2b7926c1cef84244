using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CrafyCaptcha.Cryptography;

namespace CrafyCaptcha.Benchmarks;

/// <summary>Valid captcha tokens as the challenge server signs them, for the benchmarks' inputs.</summary>
internal static class BenchmarkTokens
{
    public const string Secret = "sk_5526a47fc8b0eae583e42f4219e53e5fa96ed80cc4c1b7246e548e402b7a81b9";

    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static string Payload(SecretBox box, string nonce) => new JsonObject
    {
        ["status"] = "success",
        ["expires_at"] = "2099-01-01T00:00:00Z",
        ["nonce"] = box.Seal(nonce),
        ["risk_score"] = 0.1,
        ["flow_token"] = Guid.NewGuid().ToString(),
        ["mode"] = "auto",
        ["hostname"] = "localhost",
    }.ToJsonString();

    public static string Envelope(string payload, string signature)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["payload"] = payload, ["server_sign"] = signature }.ToJsonString()));

    public static string Sign(string payload)
        => Envelope(payload, Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(payload))));

    public static string Token(SecretBox box, string nonce) => Sign(Payload(box, nonce));
}
