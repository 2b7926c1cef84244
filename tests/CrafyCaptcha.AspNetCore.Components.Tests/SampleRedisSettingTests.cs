using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.Components.Tests;

/// <summary>
/// The Blazor Identity sample on Redis by configuration alone (<c>ConnectionStrings:Redis</c>), as the README's
/// three-instance recipe runs it: three instances, one real redis-server, one credential; a token passes once,
/// whichever instance sees it.
/// </summary>
public sealed class SampleRedisSettingTests(RedisServer redis) : IClassFixture<RedisServer>, IDisposable
{
    private readonly string _shared = Path.Combine(Path.GetTempPath(), "crafy-blazor-redis-" + Guid.NewGuid().ToString("N"));

    private BlazorIdentityApp Instance() => new(new Dictionary<string, string?>
    {
        ["ConnectionStrings:Redis"] = redis.Configuration,
        // One credential for all (the README's recipe gives every instance the same keys).
        ["CrafyChallengeServer:DevelopmentCredentialPath"] = Path.Combine(_shared, "dev-credential.json"),
    });

    [Fact]
    public async Task One_setting_moves_nonces_and_engine_state_to_redis_and_a_token_passes_once_across_three_instances()
    {
        Directory.CreateDirectory(_shared);
        await using BlazorIdentityApp a = Instance();
        await using BlazorIdentityApp b = Instance();
        await using BlazorIdentityApp c = Instance();
        Assert.Contains("Redis", a.Services.GetRequiredService<INonceStore>().GetType().Name, StringComparison.Ordinal);
        Assert.Contains("Redis", a.Services.GetRequiredService<IChallengeStateStore>().GetType().Name, StringComparison.Ordinal);

        // The flow is created on A (its nonce in Redis); B accepts the token, then neither C nor A does.
        string token = await a.MintTokenAsync("feedback");
        using HttpResponseMessage onB = await PostFeedbackAsync(b, token);
        using HttpResponseMessage onC = await PostFeedbackAsync(c, token);
        using HttpResponseMessage onA = await PostFeedbackAsync(a, token);
        Assert.Equal(HttpStatusCode.OK, onB.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, onC.StatusCode);
        Assert.Equal("captcha_replayed", (await onC.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, onA.StatusCode);
        Assert.Equal("captcha_replayed", (await onA.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
    }

    private static async Task<HttpResponseMessage> PostFeedbackAsync(BlazorIdentityApp app, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/feedback") { Content = JsonContent.Create(new { text = "hello" }) };
        request.Headers.Add("X-Crafy-Captcha-Token", token);
        return await app.Client().SendAsync(request);
    }

    public void Dispose()
    {
        if (Directory.Exists(_shared))
        {
            Directory.Delete(_shared, recursive: true);
        }
    }
}
