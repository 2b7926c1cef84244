using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.StackExchangeRedis.Tests;

/// <summary>The sample on Redis by configuration alone: <c>ConnectionStrings:Redis</c>, nothing in code.</summary>
public sealed class SampleRedisSettingTests(RedisServer redis) : IClassFixture<RedisServer>, IDisposable
{
    private readonly string _shared = Path.Combine(Path.GetTempPath(), "crafy-setting-" + Guid.NewGuid().ToString("N"));

    // One browser: instances behind a load balancer see the same cookies (the visitor binding's too).
    private readonly System.Net.CookieContainer _browser = new();

    private EngineApp Instance() => new(sharedStateDirectory: _shared, cookies: _browser, settings: new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.Configuration });

    [Fact]
    public async Task One_setting_moves_nonces_and_engine_state_to_redis_and_a_token_passes_once_across_instances()
    {
        using EngineApp a = Instance(), b = Instance();
        Assert.Contains("Redis", a.Factory.Services.GetRequiredService<INonceStore>().GetType().Name, StringComparison.Ordinal);
        Assert.Contains("Redis", a.Factory.Services.GetRequiredService<IChallengeStateStore>().GetType().Name, StringComparison.Ordinal);
        PageInit page = await a.OpenPageAsync("/Comments");

        // The flow is opened on A and answered through B: the engine state is shared.
        string eo = await a.GetEoAsync(page, "comments");
        ChallengePage challenge = EngineApp.ReadChallenge(await (await a.LoadChallengeAsync(page.PublicToken, eo)).Content.ReadAsStringAsync());
        HttpResponseMessage answer = await b.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        string token = EngineApp.TokenFrom((await answer.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!);

        PageInit pageB = await b.OpenPageAsync("/Comments");
        HttpResponseMessage onB = await Post(b, pageB.Antiforgery, token);
        HttpResponseMessage onA = await Post(a, page.Antiforgery, token);
        Assert.Equal(HttpStatusCode.Redirect, onB.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, onA.StatusCode);
    }

    private static Task<HttpResponseMessage> Post(EngineApp app, string antiforgery, string token)
        => app.Client.PostAsync("/comments", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["author"] = "Ana",
            ["text"] = "hello",
            ["CrafyCAPTCHA_token"] = token,
            ["__RequestVerificationToken"] = antiforgery,
        }));

    public void Dispose()
    {
        if (Directory.Exists(_shared))
        {
            Directory.Delete(_shared, recursive: true);
        }
    }
}
