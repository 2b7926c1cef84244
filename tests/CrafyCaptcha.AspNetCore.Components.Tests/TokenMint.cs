using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CrafyCaptcha.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Components.Tests;

/// <summary>
/// A token for a policy as the engine issues one: a flow created through the app's own SDK (its nonce in the app's
/// store) and a payload signed with the app's secret key. No engine flow is answered by script.
/// </summary>
internal static class TokenMint
{
    public static async Task<string> MintAsync(IServiceProvider services, string policy)
    {
        string secretKey = services.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value.SecretKey!;
        string eo = await services.GetRequiredService<ICrafyCaptcha>().CreateFlowAsync(new FlowOptions { Context = new JsonObject { ["policy"] = policy } });
        using var box = new SecretBox(secretKey);
        Assert.True(box.TryOpen(eo, out byte[]? plaintext));
        string nonce = (string)JsonNode.Parse(plaintext)!["nonce"]!;
        string payload = new JsonObject
        {
            ["status"] = "success",
            ["expires_at"] = DateTimeOffset.UtcNow.AddMinutes(5).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["nonce"] = box.Seal(nonce),
            ["risk_score"] = 0.1,
            ["flow_token"] = Guid.NewGuid().ToString(),
        }.ToJsonString();
        string signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretKey), Encoding.UTF8.GetBytes(payload)));
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["payload"] = payload, ["server_sign"] = signature }.ToJsonString()));
    }
}
