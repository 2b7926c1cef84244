using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.AspNetCore;
using CrafyCaptcha.Server;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.StackExchangeRedis.Tests;

/// <summary>
/// A team's own engine, two instances of it behind a load balancer, and one site: the engines are configured only
/// with <c>CrafyChallengeServer:State:Redis</c> (a connection string), no code. Every flow's challenge page is served
/// by one engine and answered through the other. Without the setting the same steps fail, which shows what it buys.
/// </summary>
public sealed class StandaloneEngineFarmTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly ChallengeCredential Credential = CredentialGenerator.Create();

    [Fact]
    public async Task Two_engines_on_Redis_by_configuration_serve_one_site_whichever_engine_answers_each_step()
    {
        string prefix = "engine-farm-" + Guid.NewGuid().ToString("N")[..8] + ":";
        var logs = new CapturingLoggerProvider();
        await using WebApplication engineA = await StartEngineAsync(redis.Configuration, prefix, logs);
        await using WebApplication engineB = await StartEngineAsync(redis.Configuration, prefix, logs);
        await using WebApplication site = await StartSiteAsync(engineA.Urls.Single());
        Assert.Contains(logs.Entries, e => e.Message.Contains($"on Redis (CrafyChallengeServer:State:Redis) under the prefix '{prefix}'", StringComparison.Ordinal));

        using var siteClient = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(site.Urls.Single()) };
        for (int flow = 0; flow < 6; flow++)
        {
            (WebApplication loads, WebApplication answers) = flow % 2 == 0 ? (engineA, engineB) : (engineB, engineA);
            string token = await SolveAsync(siteClient, site.Urls.Single(), loads, answers);
            using HttpResponseMessage accepted = await EngineSite.PostCommentAsync(siteClient, token);
            Assert.True(accepted.IsSuccessStatusCode, $"flow {flow}: {(int)accepted.StatusCode} {await accepted.Content.ReadAsStringAsync()}");
            using HttpResponseMessage replayed = await EngineSite.PostCommentAsync(siteClient, token);
            Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        }
    }

    [Fact]
    public async Task Without_the_setting_each_engine_keeps_its_own_state_and_a_flow_answered_through_the_other_fails()
    {
        var logs = new CapturingLoggerProvider();
        await using WebApplication engineA = await StartEngineAsync(redisConfiguration: null, "unused:", logs);
        await using WebApplication engineB = await StartEngineAsync(redisConfiguration: null, "unused:", logs);
        await using WebApplication site = await StartSiteAsync(engineA.Urls.Single());
        Assert.Contains(logs.Entries, e => e.Message.Contains("in memory", StringComparison.Ordinal) && e.Message.Contains("CrafyChallengeServer:State:Redis", StringComparison.Ordinal));

        using var siteClient = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(site.Urls.Single()) };
        HttpStatusCode answered = await AnswerStatusAsync(siteClient, site.Urls.Single(), engineA, engineB);
        Assert.NotEqual(HttpStatusCode.OK, answered);
    }

    private static async Task<WebApplication> StartEngineAsync(string? redisConfiguration, string prefix, CapturingLoggerProvider logs)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CrafyChallengeServer:UseDevelopmentCredential"] = "false",
            ["CrafyChallengeServer:Credentials:0:PublicKey"] = Credential.PublicKey,
            ["CrafyChallengeServer:Credentials:0:SecretKey"] = Credential.SecretKey,
            ["CrafyChallengeServer:Credentials:0:SigningPrivateKey"] = Credential.SigningPrivateKey,
            ["CrafyChallengeServer:Credentials:0:PublicToken"] = Credential.PublicToken,
            ["CrafyChallengeServer:Credentials:0:Plan"] = "starter",
            ["CrafyChallengeServer:Instrumentation:Enabled"] = "false", // answered over HTTP without JavaScript (see EngineApp)
            ["CrafyChallengeServer:State:Redis"] = redisConfiguration,
            ["CrafyChallengeServer:State:RedisKeyPrefix"] = prefix,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Services.AddCrafyChallengeServer();
        WebApplication app = builder.Build();
        app.MapCrafyChallengeServer("/crafy");
        await app.StartAsync();
        return app;
    }

    private static async Task<WebApplication> StartSiteAsync(string engineUrl)
    {
        WebApplication app = EngineSite.Build([new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["CrafyCaptcha:PublicKey"] = Credential.PublicKey,
                ["CrafyCaptcha:SecretKey"] = Credential.SecretKey,
                ["CrafyCaptcha:SigningPublicKey"] = CredentialGenerator.SigningPublicKeyOf(Credential.SigningPrivateKey),
                ["CrafyCaptcha:ApiBaseUrl"] = engineUrl.TrimEnd('/') + "/crafy/api",
                ["CrafyCaptcha:PublicTokenTimeout"] = "00:00:10",
            },
        }], AppContext.BaseDirectory);
        await app.StartAsync();
        return app;
    }

    private static async Task<string> SolveAsync(HttpClient site, string siteUrl, WebApplication loads, WebApplication answers)
    {
        (HttpStatusCode status, JsonObject complete) = await AnswerAsync(site, siteUrl, loads, answers);
        Assert.True(status == HttpStatusCode.OK, $"verify through the other engine: {(int)status} {complete.ToJsonString()}");
        return EngineApp.TokenFrom(complete);
    }

    private static async Task<HttpStatusCode> AnswerStatusAsync(HttpClient site, string siteUrl, WebApplication loads, WebApplication answers)
        => (await AnswerAsync(site, siteUrl, loads, answers)).Status;

    /// <summary>The widget's steps: an <c>eo</c> from the site, the challenge page from one engine, the answer to the other.</summary>
    private static async Task<(HttpStatusCode Status, JsonObject Body)> AnswerAsync(HttpClient site, string siteUrl, WebApplication loads, WebApplication answers)
    {
        JsonObject page = (await site.GetFromJsonAsync<JsonObject>("/page"))!;
        Assert.Equal(Credential.PublicToken, (string?)page["publicToken"]);
        using HttpResponseMessage options = await site.PostAsJsonAsync("/crafy-options", new { action = "get_options", __RequestVerificationToken = (string)page["antiforgery"]! });
        Assert.True(options.IsSuccessStatusCode, $"options endpoint: {(int)options.StatusCode}");
        string eo = (string)(await options.Content.ReadFromJsonAsync<JsonObject>())!["eo"]!;

        using var loadClient = new HttpClient { BaseAddress = new Uri(loads.Urls.Single()) };
        using var answerClient = new HttpClient { BaseAddress = new Uri(answers.Urls.Single()) };
        ChallengePage challenge = await EngineApp.LoadChallengeAsync(loadClient, Credential.PublicToken, eo, siteUrl.TrimEnd('/'));
        return await EngineApp.AnswerAsync(answerClient, challenge);
    }
}
