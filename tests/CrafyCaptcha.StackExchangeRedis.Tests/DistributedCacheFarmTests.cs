using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CrafyCaptcha.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.StackExchangeRedis.Tests;

/// <summary>
/// The design card's farm as a .NET team deploys it: three instances of a minimal app with
/// <c>AddStackExchangeRedisCache</c> + <c>AddCrafyCaptcha()</c> and nothing else, on one real redis-server, behind an
/// imaginary round-robin load balancer (real Kestrel on 127.0.0.1). And the same app on a shared cache that cannot
/// consume atomically across processes, which must not start outside Development.
/// </summary>
public sealed class DistributedCacheFarmTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private const string PublicKey = "pk_8868cdb2a4575e8755324cb77bf5be3a";
    private const string SecretKey = "sk_5526a47fc8b0eae583e42f4219e53e5fa96ed80cc4c1b7246e548e402b7a81b9";
    private const string SigningPublicKey = "hRragx5b+8d7BT0k7VY0ExGjjVDFIoiHB0OjEkzm2MU=";

    [Fact]
    public async Task Thirty_flows_created_on_one_instance_pass_on_the_next_and_30_replays_each_over_three_instances_never_pass()
    {
        string instanceName = "farm-" + Guid.NewGuid().ToString("N")[..8] + ":";
        var logs = new List<string>();
        await using Instance a = await Instance.StartAsync(services => services.AddStackExchangeRedisCache(o => { o.Configuration = redis.Configuration; o.InstanceName = instanceName; }), "Production", logs);
        await using Instance b = await Instance.StartAsync(services => services.AddStackExchangeRedisCache(o => { o.Configuration = redis.Configuration; o.InstanceName = instanceName; }), "Production", logs);
        await using Instance c = await Instance.StartAsync(services => services.AddStackExchangeRedisCache(o => { o.Configuration = redis.Configuration; o.InstanceName = instanceName; }), "Production", logs);
        Instance[] farm = [a, b, c];
        Assert.Contains(logs, l => l.Contains("consumed atomically across instances", StringComparison.Ordinal)); // the start-up line names the store

        var tokens = new List<string>();
        for (int i = 0; i < 30; i++)
        {
            Instance renders = farm[i % 3], receives = farm[(i + 1) % 3];
            string token = await renders.MintTokenAsync();
            using HttpResponseMessage posted = await receives.PostAsync(token);
            Assert.True(posted.StatusCode == HttpStatusCode.OK, $"flow {i}: created on instance {i % 3}, posted to {(i + 1) % 3}: {(int)posted.StatusCode} {await posted.Content.ReadAsStringAsync()}");
            tokens.Add(token);
        }

        // Every token again, 30 times each, over the three instances at once.
        Task<HttpStatusCode>[] replays = [.. tokens.SelectMany(token => Enumerable.Range(0, 30).Select(async r =>
        {
            using HttpResponseMessage response = await farm[r % 3].PostAsync(token);
            return response.StatusCode;
        }))];
        HttpStatusCode[] statuses = await Task.WhenAll(replays);
        Assert.Equal(900, statuses.Length);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.BadRequest, s)); // never accepted, never a 5xx
    }

    [Fact]
    public async Task One_fresh_token_posted_to_three_instances_at_once_passes_exactly_once()
    {
        string instanceName = "race-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using Instance a = await Instance.StartAsync(services => services.AddStackExchangeRedisCache(o => { o.Configuration = redis.Configuration; o.InstanceName = instanceName; }), "Production");
        await using Instance b = await Instance.StartAsync(services => services.AddStackExchangeRedisCache(o => { o.Configuration = redis.Configuration; o.InstanceName = instanceName; }), "Production");
        await using Instance c = await Instance.StartAsync(services => services.AddStackExchangeRedisCache(o => { o.Configuration = redis.Configuration; o.InstanceName = instanceName; }), "Production");
        Instance[] farm = [a, b, c];
        for (int round = 0; round < 10; round++)
        {
            string token = await farm[round % 3].MintTokenAsync();
            using var start = new ManualResetEventSlim();
            Task<HttpStatusCode>[] posts = [.. Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
            {
                start.Wait();
                using HttpResponseMessage response = await farm[i % 3].PostAsync(token);
                return response.StatusCode;
            }))];
            start.Set();
            HttpStatusCode[] statuses = await Task.WhenAll(posts);
            Assert.True(statuses.Count(s => s == HttpStatusCode.OK) == 1, $"round {round}: " + string.Join(", ", statuses));
            Assert.True(statuses.Count(s => s == HttpStatusCode.BadRequest) == 11, $"round {round}: " + string.Join(", ", statuses));
        }
    }

    [Fact]
    public async Task A_shared_cache_that_cannot_consume_atomically_stops_the_app_outside_Development_and_names_the_fix()
    {
        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(
            () => Instance.StartAsync(services => services.AddSingleton<IDistributedCache, SqlLikeCache>(), "Production"));
        Assert.Contains(typeof(SqlLikeCache).FullName!, refused.Message, StringComparison.Ordinal);
        Assert.Contains("AddRedisNonceStore", refused.Message, StringComparison.Ordinal);
        Assert.Contains("CrafyCaptcha:AcceptPerProcessReplayProtection = true", refused.Message, StringComparison.Ordinal);

        // The explicit opt-in by name starts it, and so does Development, each with a warning naming what it accepts.
        var logs = new List<string>();
        await using (Instance optedIn = await Instance.StartAsync(services => services.AddSingleton<IDistributedCache, SqlLikeCache>(), "Production", logs,
            new Dictionary<string, string?> { ["CrafyCaptcha:AcceptPerProcessReplayProtection"] = "true" }))
        {
            Assert.Contains(logs, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("atomic per process only (CrafyCaptcha:AcceptPerProcessReplayProtection)", StringComparison.Ordinal));
            using HttpResponseMessage posted = await optedIn.PostAsync(await optedIn.MintTokenAsync());
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }

        logs.Clear();
        await using (Instance development = await Instance.StartAsync(services => services.AddSingleton<IDistributedCache, SqlLikeCache>(), "Development", logs))
        {
            Assert.Contains(logs, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("refused at start-up elsewhere", StringComparison.Ordinal));
        }
    }

    /// <summary>A shared cache without an atomic "remove if present" across processes (SQL Server, NCache…).</summary>
    private sealed class SqlLikeCache() : MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));

    /// <summary>One instance of the minimal app: the farm's cache, <c>AddCrafyCaptcha()</c>, one protected endpoint.</summary>
    private sealed class Instance : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _client;

        private Instance(WebApplication app, Uri address)
        {
            _app = app;
            _client = new HttpClient { BaseAddress = address };
        }

        public static async Task<Instance> StartAsync(Action<IServiceCollection> cache, string environment, List<string>? logs = null, Dictionary<string, string?>? settings = null)
        {
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CrafyCaptcha:PublicKey"] = PublicKey,
                ["CrafyCaptcha:SecretKey"] = SecretKey,
                ["CrafyCaptcha:SigningPublicKey"] = SigningPublicKey,
            });
            if (settings is not null)
            {
                builder.Configuration.AddInMemoryCollection(settings);
            }

            builder.Logging.ClearProviders();
            if (logs is not null)
            {
                builder.Logging.AddProvider(new ListLoggerProvider(logs));
            }

            // The deployment under test: the team's cache and one line.
            cache(builder.Services);
            builder.Services.AddCrafyCaptcha();

            WebApplication app = builder.Build();
            app.MapPost("/submit", () => Results.Ok("accepted")).RequireCrafyCaptcha().DisableAntiforgery();
            try
            {
                await app.StartAsync();
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }

            string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new Instance(app, new Uri(address));
        }

        /// <summary>Creates a flow on this instance (as rendering the widget does) and signs a token for it, as the challenge server does.</summary>
        public Task<string> MintTokenAsync() => TokenMint.MintAsync(_app.Services, CrafyCaptchaHttpOptions.DefaultPolicyName);

        public Task<HttpResponseMessage> PostAsync(string token)
            => _client.PostAsync("/submit", new FormUrlEncodedContent(new Dictionary<string, string> { ["CrafyCAPTCHA_token"] = token }));

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (lines)
                {
                    lines.Add($"{logLevel}: {formatter(state, exception)}");
                }
            }
        }
    }
}
