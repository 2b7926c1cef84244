using System.Text.Json.Nodes;
using CrafyCaptcha.Cryptography;

namespace CrafyCaptcha.Tests;

/// <summary>The engine's named risk reasons travel in the signed payload and reach the site's verification.</summary>
public sealed class RiskReasonsTests
{
    private const string Secret = "sk_5526a47fc8b0eae583e42f4219e53e5fa96ed80cc4c1b7246e548e402b7a81b9";

    [Fact]
    public async Task Reasons_in_the_signed_payload_are_exposed_and_absent_ones_are_empty()
    {
        using var host = new TestHost(Secret);
        string nonce = await NonceOfNewFlowAsync(host);
        JsonObject payload = JsonNode.Parse(TokenMinter.PayloadJson(Secret, nonce, DateTimeOffset.UtcNow.AddMinutes(5), 0.65))!.AsObject();
        payload["risk_reasons"] = new JsonArray("velocity_ip", "webdriver", 42);

        FlowVerification result = await host.Captcha.VerifyFlowAsync(TokenMinter.Sign(Secret, payload.ToJsonString()));

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(0.65, result.RiskScore);
        Assert.Equal(["velocity_ip", "webdriver"], result.RiskReasons); // non-strings ignored

        string plainNonce = await NonceOfNewFlowAsync(host);
        FlowVerification plain = await host.Captcha.VerifyFlowAsync(TokenMinter.Token(Secret, plainNonce, DateTimeOffset.UtcNow.AddMinutes(5)));
        Assert.True(plain.IsValid);
        Assert.Empty(plain.RiskReasons);
    }

    [Fact]
    public async Task A_forged_payload_exposes_no_reasons()
    {
        using var host = new TestHost(Secret);
        string nonce = await NonceOfNewFlowAsync(host);
        JsonObject payload = JsonNode.Parse(TokenMinter.PayloadJson(Secret, nonce, DateTimeOffset.UtcNow.AddMinutes(5)))!.AsObject();
        payload["risk_reasons"] = new JsonArray("none");

        FlowVerification forged = await host.Captcha.VerifyFlowAsync(TokenMinter.Sign("sk_other", payload.ToJsonString()));

        Assert.Equal(FlowFailure.BadSignature, forged.Failure);
        Assert.Empty(forged.RiskReasons);
    }

    private static async Task<string> NonceOfNewFlowAsync(TestHost host)
    {
        string eo = await host.Captcha.CreateFlowAsync();
        using var box = new SecretBox(Secret);
        Assert.True(box.TryOpen(eo, out byte[]? plaintext));
        return (string)JsonNode.Parse(plaintext)!["nonce"]!;
    }
}
