using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CrafyCaptcha.Testing;

/// <summary>The engine's REST API as a script calls it (also used by the Redis multi-instance tests).</summary>
public static class RestApi
{
    public const string Path = "/crafy/api/";

    /// <summary>A new credential on the Scale plan, as the engine's development credential is made.</summary>
    public static ChallengeCredential NewCredential() => CredentialGenerator.Create("scale", "pt_dev_");

    public static CrafyCaptchaOptions SdkKeys(EngineApp app)
        => app.Factory.Services.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value;

    public static Dictionary<string, string?> Credentials(params (ChallengeCredential Credential, string? Plan)[] credentials)
    {
        var settings = new Dictionary<string, string?>();
        for (int i = 0; i < credentials.Length; i++)
        {
            (ChallengeCredential c, string? plan) = credentials[i];
            string prefix = $"CrafyChallengeServer:Credentials:{i}:";
            settings[prefix + "PublicKey"] = c.PublicKey;
            settings[prefix + "SecretKey"] = c.SecretKey;
            settings[prefix + "SigningPrivateKey"] = c.SigningPrivateKey;
            settings[prefix + "PublicToken"] = c.PublicToken;
            if (plan is not null)
            {
                settings[prefix + "Plan"] = plan;
            }
        }

        return settings;
    }

    /// <summary>A flow of the sample's comments form, solved: its flow token and risk score.</summary>
    public static async Task<(string FlowToken, double Risk)> CompleteFlowAsync(EngineApp app, FakeTimeProvider? clock = null)
    {
        PageInit page = await app.OpenPageAsync("/Comments");
        ChallengePage challenge = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "comments"))).Content.ReadAsStringAsync());
        clock?.Advance(TimeSpan.FromMilliseconds(500));
        HttpResponseMessage answer = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        JsonObject payload = JsonNode.Parse((string)(await answer.Content.ReadFromJsonAsync<JsonObject>())!["payload"]!)!.AsObject();
        return (challenge.FlowToken, (double)payload["risk_score"]!);
    }

    public static async Task<JsonObject> AuthenticateAsync(HttpClient client, string publicKey, string secretKey)
    {
        HttpResponseMessage response = await client.PostAsJsonAsync(Path + "?action=authenticate", new { public_key = publicKey, secret_key = secretKey });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonObject envelope = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("success", (string)envelope["status"]!);
        return envelope["data"]!.AsObject();
    }

    public static async Task<HttpResponseMessage> CheckFlowAsync(HttpClient client, string? bearer, string? flowToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Path + "?action=check_flow") { Content = JsonContent.Create(new { flow_token = flowToken }) };
        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }

        return await client.SendAsync(request);
    }

    public static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string message)
    {
        Assert.Equal(status, response.StatusCode);
        JsonObject envelope = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("error", (string)envelope["status"]!);
        Assert.Contains(message, (string)envelope["message"]!, StringComparison.Ordinal);
        Assert.Null(envelope["data"]);
    }
}
