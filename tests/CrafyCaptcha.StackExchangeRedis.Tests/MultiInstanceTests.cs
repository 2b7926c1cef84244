using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.Server;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.StackExchangeRedis.Tests;

/// <summary>Two instances of the sample (embedded engine) behind an imaginary load balancer, sharing one real Redis.</summary>
public sealed class MultiInstanceTests(RedisServer redis) : IClassFixture<RedisServer>, IDisposable
{
    private readonly string _shared = Path.Combine(Path.GetTempPath(), "crafy-shared-" + Guid.NewGuid().ToString("N"));

    // One browser: instances behind a load balancer see the same cookies (the visitor binding's too).
    private readonly System.Net.CookieContainer _browser = new();

    private EngineApp Instance(string prefix, bool instrumentation = false, TimeProvider? clock = null, IDictionary<string, string?>? settings = null) => new(clock, sharedStateDirectory: _shared, instrumentation: instrumentation, settings: settings, cookies: _browser, services: s => s.AddCrafyCaptcha().AddRedisNonceStore(o =>
    {
        o.Configuration = redis.Configuration;
        o.KeyPrefix = prefix;
        o.OperationTimeout = TimeSpan.FromSeconds(2); // was 500 ms: a loaded 2-core CI run answered 16 of 32 concurrent checks otherwise than 400 (likely these timeouts)
    }));

    private static async Task<string> SolveAsync(EngineApp loadOn, EngineApp answerOn, PageInit page, string policy)
    {
        string eo = await loadOn.GetEoAsync(page, policy);
        ChallengePage challenge = EngineApp.ReadChallenge(await (await loadOn.LoadChallengeAsync(page.PublicToken, eo)).Content.ReadAsStringAsync());
        HttpResponseMessage answer = await answerOn.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return EngineApp.TokenFrom((await answer.Content.ReadFromJsonAsync<JsonObject>())!);
    }

    private static async Task<HttpResponseMessage> PostCommentAsync(EngineApp app, string antiforgery, string token)
        => await app.Client.PostAsync("/comments", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["author"] = "Ana",
            ["text"] = "hello",
            ["CrafyCAPTCHA_token"] = token,
            ["__RequestVerificationToken"] = antiforgery,
        }));

    [Fact]
    public async Task One_flow_checked_32_times_at_once_through_two_instances_is_valid_once()
    {
        using EngineApp a = Instance("m5:"), b = Instance("m5:");
        (string flowToken, _) = await RestApi.CompleteFlowAsync(a);
        CrafyCaptchaOptions sdk = RestApi.SdkKeys(a);
        string bearer = (string)(await RestApi.AuthenticateAsync(b.Client, sdk.PublicKey!, sdk.SecretKey!))["token"]!; // minted by b, accepted by a

        using var start = new ManualResetEventSlim();
        Task<HttpResponseMessage>[] calls = [.. Enumerable.Range(0, 32).Select(i => Task.Run(() => { start.Wait(); return RestApi.CheckFlowAsync((i % 2 == 0 ? a : b).Client, bearer, flowToken); }))];
        start.Set();
        HttpResponseMessage[] answers = await Task.WhenAll(calls);

        string statuses = string.Join(", ", answers.Select(r => (int)r.StatusCode));
        Assert.True(answers.Count(r => r.StatusCode == HttpStatusCode.OK) == 1, statuses);
        Assert.True(answers.Count(r => r.StatusCode == HttpStatusCode.BadRequest) == 31, statuses);
    }

    [Fact]
    public async Task Plan_limits_are_counted_across_instances()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        ChallengeCredential starter = RestApi.NewCredential();
        Dictionary<string, string?> settings = RestApi.Credentials((starter, "starter"));
        string prefix = "m6-" + Guid.NewGuid().ToString("N")[..8] + ":";
        using EngineApp a = Instance(prefix, clock: clock, settings: settings), b = Instance(prefix, clock: clock, settings: settings);
        string bearer = (string)(await RestApi.AuthenticateAsync(a.Client, starter.PublicKey, starter.SecretKey))["token"]!;

        // Burst: 2 a second between both instances.
        Assert.Equal(HttpStatusCode.BadRequest, (await RestApi.CheckFlowAsync(a.Client, bearer, "x")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await RestApi.CheckFlowAsync(b.Client, bearer, "x")).StatusCode);
        await RestApi.AssertErrorAsync(await RestApi.CheckFlowAsync(a.Client, bearer, "x"), HttpStatusCode.TooManyRequests, "Too many requests");

        // Minute: 8 between both instances.
        for (int second = 1; second <= 3; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(HttpStatusCode.BadRequest, (await RestApi.CheckFlowAsync(b.Client, bearer, "x")).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await RestApi.CheckFlowAsync(a.Client, bearer, "x")).StatusCode);
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        HttpResponseMessage limited = await RestApi.CheckFlowAsync(b.Client, bearer, "x");
        await RestApi.AssertErrorAsync(limited, HttpStatusCode.TooManyRequests, "Too many requests");
        Assert.Equal(TimeSpan.FromSeconds(56), limited.Headers.RetryAfter!.Delta);
    }

    [Fact]
    public async Task A_flow_started_on_one_instance_is_solved_through_the_other_and_verified_on_the_first()
    {
        using EngineApp a = Instance("m1:"), b = Instance("m1:");
        PageInit page = await a.OpenPageAsync("/Comments");

        string token = await SolveAsync(a, b, page, "comments");
        HttpResponseMessage posted = await PostCommentAsync(a, page.Antiforgery, token);

        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
    }

    [Fact]
    public async Task A_flows_instrumentation_program_from_one_instance_is_checked_by_the_other()
    {
        using EngineApp a = Instance("m4:", instrumentation: true), b = Instance("m4:", instrumentation: true);
        PageInit page = await a.OpenPageAsync("/Comments");
        ChallengePage challenge = EngineApp.ReadChallenge(await (await a.LoadChallengeAsync(page.PublicToken, await a.GetEoAsync(page, "comments"))).Content.ReadAsStringAsync());

        Assert.Contains("crafy-program", challenge.Program, StringComparison.Ordinal);

        // A script's answer without the program's result is refused by the other instance, which reads the flow from Redis.
        HttpResponseMessage answer = await b.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow));
        Assert.Equal("program_invalid", (string?)(await answer.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
    }

    [Fact]
    public async Task One_token_submitted_64_times_concurrently_to_two_instances_is_accepted_once()
    {
        using EngineApp a = Instance("m2:"), b = Instance("m2:");
        PageInit pageA = await a.OpenPageAsync("/Comments");
        PageInit pageB = await b.OpenPageAsync("/Comments");
        string token = await SolveAsync(a, a, pageA, "comments");

        using var start = new ManualResetEventSlim();
        Task<HttpResponseMessage>[] submits = Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return i % 2 == 0 ? await PostCommentAsync(a, pageA.Antiforgery, token) : await PostCommentAsync(b, pageB.Antiforgery, token);
        })).ToArray();
        start.Set();
        HttpResponseMessage[] responses = await Task.WhenAll(submits);

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Redirect));
        Assert.Equal(63, responses.Count(r => r.StatusCode == HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Redis_down_fails_closed_with_503_and_service_returns_by_itself()
    {
        using EngineApp a = Instance("m3:");
        PageInit page = await a.OpenPageAsync("/Comments");
        string tokenBefore = await SolveAsync(a, a, page, "comments");

        await redis.StopAsync();
        try
        {
            HttpResponseMessage during = await PostCommentAsync(a, page.Antiforgery, tokenBefore);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.Equal("captcha_unavailable", (string)(await during.Content.ReadFromJsonAsync<JsonObject>())!["code"]!);

            HttpResponseMessage options = await a.Client.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy = "comments", __RequestVerificationToken = page.Antiforgery });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, options.StatusCode);

            HttpResponseMessage health = await a.Client.GetAsync("/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        }
        finally
        {
            await redis.StartAsync();
        }

        // Back by itself: no restart of the app. The token shown during the outage was never accepted, and is not now
        // (the restarted Redis has no data), while a new flow works.
        HttpStatusCode healthAfter = HttpStatusCode.ServiceUnavailable;
        for (int i = 0; i < 100 && healthAfter != HttpStatusCode.OK; i++)
        {
            await Task.Delay(100);
            healthAfter = (await a.Client.GetAsync("/health")).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, healthAfter);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostCommentAsync(a, page.Antiforgery, tokenBefore)).StatusCode);
        string tokenAfter = await SolveAsync(a, a, page, "comments");
        Assert.Equal(HttpStatusCode.Redirect, (await PostCommentAsync(a, page.Antiforgery, tokenAfter)).StatusCode);
    }

    public void Dispose()
    {
        if (Directory.Exists(_shared))
        {
            Directory.Delete(_shared, recursive: true);
        }
    }
}
