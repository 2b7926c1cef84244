using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CrafyCaptcha.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Testing;

/// <summary>
/// Tokens as the challenge engine issues them, for tests of what verifies them: a flow created through the app's own
/// SDK (its nonce in the app's store) and a payload signed with the app's secret key. No engine flow is answered by script.
/// </summary>
public static class TokenMint
{
    /// <summary>The prefix of every value sealed with the v3 secret box.</summary>
    public const string SealedV3Prefix = SecretBox.V3Prefix;

    /// <summary>Creates a flow for <paramref name="policy"/> through the app's <see cref="ICrafyCaptcha"/> and signs a token for it.</summary>
    public static async Task<string> MintAsync(IServiceProvider services, string policy)
    {
        string secretKey = services.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value.SecretKey!;
        string eo = await services.GetRequiredService<ICrafyCaptcha>().CreateFlowAsync(new FlowOptions { Context = new JsonObject { ["policy"] = policy } });
        return TokenFor(secretKey, NonceOf(secretKey, eo), DateTimeOffset.UtcNow.AddMinutes(5));
    }

    /// <summary>The nonce inside a flow's sealed options (<c>eo</c>).</summary>
    public static string NonceOf(string secretKey, string eo)
    {
        using var box = new SecretBox(secretKey);
        Assert.True(box.TryOpen(eo, out byte[]? plaintext));
        return (string)JsonNode.Parse(plaintext)!["nonce"]!;
    }

    /// <summary>Opens a value sealed with <paramref name="secretKey"/>; <see langword="null"/> when it does not open.</summary>
    public static byte[]? Open(string secretKey, string sealedValue)
    {
        using var box = new SecretBox(secretKey);
        return box.TryOpen(sealedValue, out byte[]? plaintext) ? plaintext : null;
    }

    /// <summary>Seals <paramref name="plaintext"/> with <paramref name="secretKey"/> (v3).</summary>
    public static string Seal(string secretKey, string plaintext)
    {
        using var box = new SecretBox(secretKey);
        return box.Seal(plaintext);
    }

    /// <summary>A success token for <paramref name="nonce"/>, its nonce sealed with <paramref name="secretKey"/> and its payload signed with <paramref name="signWith"/> (the secret key unless given).</summary>
    public static string TokenFor(string secretKey, string nonce, DateTimeOffset expiresAt, string? signWith = null, double riskScore = 0.1)
    {
        string payload = new JsonObject
        {
            ["status"] = "success",
            ["expires_at"] = expiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["nonce"] = Seal(secretKey, nonce),
            ["risk_score"] = riskScore,
            ["flow_token"] = Guid.NewGuid().ToString(),
        }.ToJsonString();
        string signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(signWith ?? secretKey), Encoding.UTF8.GetBytes(payload)));
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["payload"] = payload, ["server_sign"] = signature }.ToJsonString()));
    }
}
