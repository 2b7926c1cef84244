using System.Collections.Concurrent;
using System.Net;
using CrafyCaptcha.AspNetCore;
using CrafyCaptcha.Server.State;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The SDK's <see cref="ICrafyCaptchaApiClient"/> in a separate host, against the engine on Kestrel (127.0.0.1); a
/// recording handler inside the resilience handler sees every attempt on the wire.
/// </summary>
public sealed class ApiClientTests
{
    [Fact]
    public async Task The_client_gets_the_public_token_and_checks_a_flow_once_with_one_authentication()
    {
        using var engine = new EngineApp(kestrel: true);
        CrafyCaptchaOptions keys = RestApi.SdkKeys(engine);
        PageInit page = await engine.OpenPageAsync("/Comments");
        (string flowToken, double risk) = await RestApi.CompleteFlowAsync(engine);
        using var site = new SiteHost(engine, keys.PublicKey!, keys.SecretKey!);

        string publicToken = await site.Client.GetPublicTokenAsync();
        CrafyCheckFlowResult first = await site.Client.CheckFlowAsync(flowToken);
        CrafyCheckFlowResult second = await site.Client.CheckFlowAsync(flowToken);

        Assert.Equal(page.PublicToken, publicToken);
        Assert.True(first.IsValid, first.ToString());
        Assert.Equal(risk, first.RiskScore);
        Assert.Equal("Flow consumed atomically", first.Message);
        Assert.False(second.IsValid);
        Assert.Contains("already used", second.Message, StringComparison.Ordinal);
        Assert.Single(site.Attempts("authenticate")); // the bearer and public token were cached
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.BadRequest], site.Attempts("check_flow"));
    }

    [Fact]
    public async Task Instances_sharing_a_distributed_cache_authenticate_once_and_never_store_the_secret()
    {
        var engineClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var engine = new EngineApp(engineClock, kestrel: true);
        CrafyCaptchaOptions keys = RestApi.SdkKeys(engine);
        var cache = new Microsoft.Extensions.Caching.Distributed.MemoryDistributedCache(Microsoft.Extensions.Options.Options.Create(new Microsoft.Extensions.Caching.Memory.MemoryDistributedCacheOptions()));
        using var a = new SiteHost(engine, keys.PublicKey!, keys.SecretKey!, cache);
        using var b = new SiteHost(engine, keys.PublicKey!, keys.SecretKey!, cache);

        string publicToken = await a.Client.GetPublicTokenAsync();
        (string flowToken, _) = await RestApi.CompleteFlowAsync(engine, engineClock);
        CrafyCheckFlowResult checkedOnB = await b.Client.CheckFlowAsync(flowToken);

        Assert.Equal(publicToken, await b.Client.GetPublicTokenAsync());
        Assert.True(checkedOnB.IsValid, checkedOnB.ToString());
        Assert.Single(a.Attempts("authenticate"));
        Assert.Empty(b.Attempts("authenticate")); // b used the bearer a stored
        string shared = System.Text.Encoding.UTF8.GetString(cache.Get("CrafyCaptcha.ApiSession:" + new Uri(engine.BaseAddress, "/crafy/api") + "|" + keys.PublicKey)!);
        Assert.Contains(publicToken, shared, StringComparison.Ordinal);
        Assert.DoesNotContain(keys.SecretKey!, shared, StringComparison.Ordinal);

        // The engine no longer accepts that bearer: b authenticates once more and shares the new one; a, whose memory
        // still holds the old one, is refused once and takes the shared one instead of authenticating itself.
        engineClock.Advance(TimeSpan.FromSeconds(3601));
        (string second, _) = await RestApi.CompleteFlowAsync(engine, engineClock);
        Assert.True((await b.Client.CheckFlowAsync(second)).IsValid);
        Assert.Equal([HttpStatusCode.OK], b.Attempts("authenticate"));
        (string third, _) = await RestApi.CompleteFlowAsync(engine, engineClock);
        Assert.True((await a.Client.CheckFlowAsync(third)).IsValid);
        Assert.Single(a.Attempts("authenticate"));
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.OK], a.Attempts("check_flow"));
    }

    [Fact]
    public async Task A_refused_bearer_is_replaced_by_authenticating_once_more()
    {
        var engineClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var engine = new EngineApp(engineClock, kestrel: true);
        CrafyCaptchaOptions keys = RestApi.SdkKeys(engine);
        using var site = new SiteHost(engine, keys.PublicKey!, keys.SecretKey!);
        await site.Client.GetPublicTokenAsync();
        engineClock.Advance(TimeSpan.FromSeconds(3601)); // the engine sees the cached bearer expired; the site's clock does not
        (string flowToken, _) = await RestApi.CompleteFlowAsync(engine, engineClock);

        CrafyCheckFlowResult result = await site.Client.CheckFlowAsync(flowToken);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], site.Attempts("authenticate"));
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.OK], site.Attempts("check_flow"));
    }

    [Fact]
    public async Task Plan_limits_are_waited_out_as_retry_after_says()
    {
        ChallengeCredential starter = RestApi.NewCredential();
        using var engine = new EngineApp(settings: RestApi.Credentials((starter, "starter")), kestrel: true);
        using var site = new SiteHost(engine, starter.PublicKey, starter.SecretKey);
        await site.Client.GetPublicTokenAsync();

        // Five at once on Starter (2 a second): some are refused with 429 and Retry-After, retried, and all answered.
        CrafyCheckFlowResult[] results = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => site.Client.CheckFlowAsync("unknown-" + i).AsTask()));

        Assert.All(results, r => Assert.Contains("Invalid flow token", r.Message, StringComparison.Ordinal));
        Assert.Contains(HttpStatusCode.TooManyRequests, site.Attempts("check_flow"));
        Assert.Equal(5, site.Attempts("check_flow").Count(s => s == HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task An_unavailable_engine_is_retried_with_backoff()
    {
        var failures = new StrongBox(2);
        using var engine = new EngineApp(kestrel: true, services: s => s.AddSingleton<IChallengeStateStore>(sp =>
            new FailingPlanCounters(ActivatorUtilities.CreateInstance<InMemoryChallengeStateStore>(sp), failures)));
        CrafyCaptchaOptions keys = RestApi.SdkKeys(engine);
        (string flowToken, _) = await RestApi.CompleteFlowAsync(engine);
        using var site = new SiteHost(engine, keys.PublicKey!, keys.SecretKey!);

        CrafyCheckFlowResult result = await site.Client.CheckFlowAsync(flowToken);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK], site.Attempts("check_flow"));
    }

    [Fact]
    public async Task Wrong_keys_throw_with_the_status()
    {
        using var engine = new EngineApp(kestrel: true);
        CrafyCaptchaOptions keys = RestApi.SdkKeys(engine);
        using var site = new SiteHost(engine, keys.PublicKey!, "sk_" + new string('0', 64));

        HttpRequestException error = await Assert.ThrowsAsync<HttpRequestException>(async () => await site.Client.CheckFlowAsync("x"));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Empty(site.Attempts("check_flow"));
    }

    /// <summary>A site's host with the SDK pointed at the engine's API, recording every attempt the client makes.</summary>
    private sealed class SiteHost : IDisposable
    {
        private readonly IHost _host;
        private readonly ConcurrentQueue<(string Action, HttpStatusCode Status)> _attempts = new();

        public SiteHost(EngineApp engine, string publicKey, string secretKey, Microsoft.Extensions.Caching.Distributed.IDistributedCache? sharedCache = null)
        {
            HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CrafyCaptcha:PublicKey"] = publicKey,
                ["CrafyCaptcha:SecretKey"] = secretKey,
                ["CrafyCaptcha:ApiBaseUrl"] = new Uri(engine.BaseAddress, "/crafy/api").ToString(),
            });
            builder.Services.AddCrafyCaptcha();
            if (sharedCache is not null)
            {
                builder.Services.AddSingleton(sharedCache);
            }

            builder.Services.AddHttpClient("CrafyCaptcha.ApiClient").AddHttpMessageHandler(() => new Recorder(_attempts));
            _host = builder.Build();
            Client = _host.Services.GetRequiredService<ICrafyCaptchaApiClient>();
        }

        public ICrafyCaptchaApiClient Client { get; }

        public List<HttpStatusCode> Attempts(string action) => [.. _attempts.Where(a => a.Action == action).Select(a => a.Status)];

        public void Dispose() => _host.Dispose();
    }

    private sealed class Recorder(ConcurrentQueue<(string, HttpStatusCode)> attempts) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
            attempts.Enqueue((System.Web.HttpUtility.ParseQueryString(request.RequestUri!.Query)["action"] ?? "", response.StatusCode));
            return response;
        }
    }

    private sealed class StrongBox(int value)
    {
        private int _value = value;

        public bool TryTakeOne() => Interlocked.Decrement(ref _value) >= 0;
    }

    /// <summary>The real in-memory store, whose plan counters fail the first few times (as a Redis outage would).</summary>
    private sealed class FailingPlanCounters(IChallengeStateStore inner, StrongBox failures) : IChallengeStateStore
    {
        public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) => inner.SetAsync(key, value, timeToLive, cancellationToken);

        public ValueTask<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) => inner.TryAddAsync(key, value, timeToLive, cancellationToken);

        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public ValueTask<byte[]?> TakeAsync(string key, CancellationToken cancellationToken = default) => inner.TakeAsync(key, cancellationToken);

        public ValueTask<long> IncrementAsync(string key, TimeSpan timeToLive, CancellationToken cancellationToken = default)
            => key.StartsWith("plan-", StringComparison.Ordinal) && failures.TryTakeOne()
                ? throw new ChallengeStateUnavailableException("test outage")
                : inner.IncrementAsync(key, timeToLive, cancellationToken);

        public ValueTask<long> GetCountAsync(string key, CancellationToken cancellationToken = default) => inner.GetCountAsync(key, cancellationToken);
    }
}
