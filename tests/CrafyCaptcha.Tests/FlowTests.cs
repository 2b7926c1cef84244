using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Protocol;
using CrafyCaptcha.Storage;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CrafyCaptcha.Tests;

public sealed class FlowTests
{
    private static readonly string Secret = Vectors.SecretKey("k1");

    public static TheoryData<string> NodeCreateFlowIds => Vectors.Ids("v3_create_flow", c => (string)c["sdk"]! == "node");

    [Theory]
    [MemberData(nameof(NodeCreateFlowIds))]
    public void Options_json_matches_the_official_node_sdk(string id)
    {
        JsonObject c = Vectors.Case("v3_create_flow", id);
        var buffer = new ArrayBufferWriter<byte>();

        FlowOptionsWriter.Write(buffer, c["options"]!.AsObject(), (string)c["flow_nonce"]!);
        string ours = Encoding.UTF8.GetString(buffer.WrittenSpan);
        string official = (string)c["plaintext"]!;

        // Same keys, order and values everywhere; byte-identical except where System.Text.Json escapes
        // astral-plane characters as \uXXXX pairs (both are the same JSON).
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(official), JsonNode.Parse(ours)), ours);
        Assert.Equal(JsonNode.Parse(official)!.AsObject().Select(p => p.Key), JsonNode.Parse(ours)!.AsObject().Select(p => p.Key));
        if (!official.EnumerateRunes().Any(r => r.Value > 0xFFFF))
        {
            Assert.Equal(official, ours);
        }
    }

    [Fact]
    public async Task Created_flow_opens_to_the_options_with_a_stored_nonce_last()
    {
        using var host = new TestHost(Secret);
        var options = new FlowOptions { Mode = FlowMode.Puzzle, Puzzles = [PuzzleKind.Slider, PuzzleKind.Connect] };
        options.AdditionalOptions["lang"] = "es";

        string eo = await host.Captcha.CreateFlowAsync(options);

        using var box = new SecretBox(Secret);
        Assert.True(box.TryOpen(eo, out byte[]? plaintext));
        JsonObject json = JsonNode.Parse(plaintext)!.AsObject();
        Assert.Equal(["mode", "puzzles", "lang", "nonce"], json.Select(p => p.Key));
        Assert.Equal("puzzle", (string)json["mode"]!);
        Assert.Equal(["slider", "connect"], json["puzzles"]!.AsArray().Select(n => (string)n!));
        string nonce = (string)json["nonce"]!;
        Assert.Matches("^[0-9a-f]{64}$", nonce);
        Assert.True((await host.Store.TryConsumeAsync(nonce)).Consumed);
    }

    [Fact]
    public async Task Context_stays_server_side_and_a_token_for_another_context_fails()
    {
        using var host = new TestHost(Secret);
        string loginEo = await host.Captcha.CreateFlowAsync(new FlowOptions { Context = new JsonObject { ["policy"] = "login" } });
        string loginNonce = OpenNonce(loginEo, out JsonObject loginOptions);
        Assert.False(loginOptions.ContainsKey("context"));

        string token = TokenMinter.Token(Secret, loginNonce, DateTimeOffset.UtcNow.AddMinutes(5));
        FlowVerification wrong = await host.Captcha.VerifyFlowAsync(token, new JsonObject { ["policy"] = "comments" });
        Assert.Equal(FlowFailure.ContextMismatch, wrong.Failure);

        string eo = await host.Captcha.CreateFlowAsync(new FlowOptions { Context = new JsonObject { ["policy"] = "login" } });
        string right = TokenMinter.Token(Secret, OpenNonce(eo, out _), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.True((await host.Captcha.VerifyFlowAsync(right, new JsonObject { ["policy"] = "login" })).IsValid);
    }

    [Fact]
    public async Task Full_round_trip_then_replay_fails()
    {
        using var host = new TestHost(Secret);
        string nonce = OpenNonce(await host.Captcha.CreateFlowAsync(), out _);
        string token = TokenMinter.Token(Secret, nonce, DateTimeOffset.UtcNow.AddMinutes(5), riskScore: 0.2);

        FlowVerification first = await host.Captcha.VerifyFlowAsync(token);
        FlowVerification second = await host.Captcha.VerifyFlowAsync(token);

        Assert.True(first.IsValid, first.ToString());
        Assert.Equal(0.2, first.RiskScore);
        Assert.Equal(FlowFailure.NonceNotFound, second.Failure);
    }

    [Fact]
    public async Task One_token_verified_by_64_parallel_callers_succeeds_exactly_once()
    {
        using var host = new TestHost(Secret);
        for (int round = 0; round < 20; round++)
        {
            string nonce = OpenNonce(await host.Captcha.CreateFlowAsync(), out _);
            string token = TokenMinter.Token(Secret, nonce, DateTimeOffset.UtcNow.AddMinutes(5));
            using var start = new ManualResetEventSlim();
            Task<FlowVerification>[] callers = Enumerable.Range(0, 64)
                .Select(_ => Task.Run(async () =>
                {
                    start.Wait();
                    return await host.Captcha.VerifyFlowAsync(token);
                }))
                .ToArray();
            start.Set();
            FlowVerification[] results = await Task.WhenAll(callers);

            Assert.Equal(1, results.Count(r => r.IsValid));
            Assert.All(results.Where(r => !r.IsValid), r => Assert.Equal(FlowFailure.NonceNotFound, r.Failure));
        }
    }

    [Fact]
    public async Task Token_expiry_follows_the_time_provider()
    {
        FakeTimeProvider clock = TestHost.FakeClock();
        using var host = new TestHost(Secret, clock);
        string nonce = OpenNonce(await host.Captcha.CreateFlowAsync(), out _);
        string token = TokenMinter.Token(Secret, nonce, clock.GetUtcNow().AddMinutes(5));

        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        FlowVerification late = await host.Captcha.VerifyFlowAsync(token);

        Assert.Equal(FlowFailure.Expired, late.Failure);
        Assert.Equal(clock.GetUtcNow().AddSeconds(-1), late.ExpiresAt);
    }

    [Fact]
    public async Task Flow_nonce_expires_after_the_flow_lifetime()
    {
        FakeTimeProvider clock = TestHost.FakeClock();
        using var host = new TestHost(Secret, clock);
        string nonce = OpenNonce(await host.Captcha.CreateFlowAsync(), out _);
        string token = TokenMinter.Token(Secret, nonce, clock.GetUtcNow().AddHours(2));

        clock.Advance(TimeSpan.FromMinutes(20) + TimeSpan.FromSeconds(1));

        Assert.Equal(FlowFailure.NonceNotFound, (await host.Captcha.VerifyFlowAsync(token)).Failure);
    }

    [Fact]
    public async Task Oversized_tokens_are_rejected_before_decoding()
    {
        using var host = new TestHost(Secret);
        string nonce = OpenNonce(await host.Captcha.CreateFlowAsync(), out _);
        string token = TokenMinter.Token(Secret, nonce, DateTimeOffset.UtcNow.AddMinutes(5));
        string padded = token + new string(' ', 8192 - token.Length + 1);

        Assert.Equal(FlowFailure.TokenTooLarge, (await host.Captcha.VerifyFlowAsync(padded)).Failure);
        Assert.True((await host.Captcha.VerifyFlowAsync(token)).IsValid);
    }

    [Fact]
    public async Task Missing_token_is_reported_as_missing()
    {
        using var host = new TestHost(Secret);

        Assert.Equal(FlowFailure.MissingToken, (await host.Captcha.VerifyFlowAsync(null)).Failure);
        Assert.Equal(FlowFailure.MissingToken, (await host.Captcha.VerifyFlowAsync(string.Empty)).Failure);
    }

    [Fact]
    public async Task Clear_all_makes_every_outstanding_flow_unusable()
    {
        using var host = new TestHost(Secret);
        string nonce = OpenNonce(await host.Captcha.CreateFlowAsync(), out _);
        string token = TokenMinter.Token(Secret, nonce, DateTimeOffset.UtcNow.AddMinutes(5));

        await host.Store.ClearAllNoncesAsync();

        Assert.Equal(FlowFailure.NonceNotFound, (await host.Captcha.VerifyFlowAsync(token)).Failure);
        string fresh = OpenNonce(await host.Captcha.CreateFlowAsync(), out _);
        Assert.True((await host.Captcha.VerifyFlowAsync(TokenMinter.Token(Secret, fresh, DateTimeOffset.UtcNow.AddMinutes(5)))).IsValid);
    }

    public static TheoryData<string> Stores => ["memory", "distributed-cache"];

    private static INonceStore NewStore(string kind, TimeProvider clock, long maxOutstandingFlows = 1_000_000)
    {
        var options = Options.Create(new CrafyCaptchaOptions { SecretKey = Secret, MaxOutstandingFlows = maxOutstandingFlows });
        return kind == "memory"
            ? new InMemoryNonceStore(clock, options)
            : new DistributedCacheNonceStore(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())), clock, options);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_flood_of_created_flows_is_refused_past_the_outstanding_limit(string kind)
    {
        FakeTimeProvider clock = TestHost.FakeClock();
        INonceStore store = NewStore(kind, clock, maxOutstandingFlows: 1000);
        int stored = 0, refused = 0;
        for (int i = 0; i < 5000; i++)
        {
            try
            {
                await store.StoreAsync(TokenMinter.NewNonce(), null, TimeSpan.FromMinutes(20));
                stored++;
            }
            catch (NonceStoreUnavailableException)
            {
                refused++;
            }
        }

        Assert.Equal(1000, stored);
        Assert.Equal(4000, refused);

        // Once a flow lifetime has passed, the old flows no longer count.
        clock.Advance(TimeSpan.FromMinutes(22));
        await store.StoreAsync(TokenMinter.NewNonce(), null, TimeSpan.FromMinutes(20));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_stored_nonce_is_consumed_once_with_its_context_and_not_after_its_lifetime(string kind)
    {
        FakeTimeProvider clock = TestHost.FakeClock();
        INonceStore store = NewStore(kind, clock);
        string used = TokenMinter.NewNonce(), late = TokenMinter.NewNonce();
        await store.StoreAsync(used, "{\"p\":\"login\"}", TimeSpan.FromMinutes(20));
        await store.StoreAsync(late, null, TimeSpan.FromMinutes(20));

        Assert.Equal(new NonceConsumption(true, "{\"p\":\"login\"}"), await store.TryConsumeAsync(used));
        Assert.False((await store.TryConsumeAsync(used)).Consumed);
        Assert.False((await store.TryConsumeAsync(TokenMinter.NewNonce())).Consumed);
        clock.Advance(TimeSpan.FromMinutes(20) + TimeSpan.FromMilliseconds(1));
        Assert.False((await store.TryConsumeAsync(late)).Consumed);
    }

    [Fact]
    public async Task The_in_memory_store_sweeps_nonces_that_expired_unused()
    {
        FakeTimeProvider clock = TestHost.FakeClock();
        var store = (InMemoryNonceStore)NewStore("memory", clock);
        for (int i = 0; i < 500; i++)
        {
            await store.StoreAsync(TokenMinter.NewNonce(), null, TimeSpan.FromMinutes(5));
        }

        string fresh = TokenMinter.NewNonce();
        clock.Advance(TimeSpan.FromMinutes(6));
        await store.StoreAsync(fresh, null, TimeSpan.FromMinutes(5)); // past the sweep interval: starts a sweep

        // The sweep runs on the thread pool: wait for it (bounded), then only the fresh nonce is left.
        for (int i = 0; i < 200 && store.Count > 1; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, store.Count);
        Assert.True((await store.TryConsumeAsync(fresh)).Consumed);
    }

    [Fact]
    public void The_default_store_is_in_process_and_a_shared_cache_that_cannot_consume_atomically_needs_an_opt_in_by_name()
    {
        using var plain = new TestHost(Secret);
        Assert.IsType<InMemoryNonceStore>(plain.Store);

        // No host environment (a console on the SDK core) is not Development: refused, naming both ways out.
        var refused = new ServiceCollection();
        refused.AddSingleton<IDistributedCache>(new SharedCacheStandIn());
        refused.AddCrafyCaptchaCore(o => o.SecretKey = Secret);
        using (ServiceProvider provider = refused.BuildServiceProvider())
        {
            InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<INonceStore>());
            Assert.Contains(nameof(SharedCacheStandIn), error.Message, StringComparison.Ordinal);
            Assert.Contains("AddRedisNonceStore", error.Message, StringComparison.Ordinal);
            Assert.Contains("CrafyCaptcha:AcceptPerProcessReplayProtection", error.Message, StringComparison.Ordinal);
        }

        var accepted = new ServiceCollection();
        accepted.AddSingleton<IDistributedCache>(new SharedCacheStandIn());
        accepted.AddCrafyCaptchaCore(o => { o.SecretKey = Secret; o.AcceptPerProcessReplayProtection = true; });
        using (ServiceProvider provider = accepted.BuildServiceProvider())
        {
            Assert.IsType<DistributedCacheNonceStore>(provider.GetRequiredService<INonceStore>());
        }
    }

    [Fact]
    public async Task Two_stores_on_one_shared_cache_agree_on_keys_and_a_clear_reaches_both()
    {
        FakeTimeProvider clock = TestHost.FakeClock();
        var cache = new SharedCacheStandIn();
        var options = Options.Create(new CrafyCaptchaOptions { SecretKey = Secret });
        var first = new DistributedCacheNonceStore(cache, clock, options);
        var second = new DistributedCacheNonceStore(cache, clock, options); // another instance, or this one after a restart

        string nonce = TokenMinter.NewNonce();
        await first.StoreAsync(nonce, "{\"policy\":\"login\"}", TimeSpan.FromMinutes(20));
        NonceConsumption consumed = await second.TryConsumeAsync(nonce);
        Assert.True(consumed.Consumed);
        Assert.Equal("{\"policy\":\"login\"}", consumed.ContextJson);
        Assert.False((await first.TryConsumeAsync(nonce)).Consumed);

        string before = TokenMinter.NewNonce();
        await first.StoreAsync(before, null, TimeSpan.FromMinutes(20));
        clock.Advance(TimeSpan.FromSeconds(1));
        await second.ClearAllNoncesAsync();
        clock.Advance(DistributedCacheNonceStore.ClockSkew + TimeSpan.FromSeconds(1)); // the mark covers the farm's clock skew
        string after = TokenMinter.NewNonce();
        await first.StoreAsync(after, null, TimeSpan.FromMinutes(20));
        Assert.False((await first.TryConsumeAsync(before)).Consumed); // cleared by the other instance
        Assert.True((await second.TryConsumeAsync(after)).Consumed);
    }

    /// <summary>Any app-registered IDistributedCache that is not the in-process memory cache (SQL Server, NCache…).</summary>
    private sealed class SharedCacheStandIn : MemoryDistributedCache
    {
        public SharedCacheStandIn()
            : base(Options.Create(new MemoryDistributedCacheOptions()))
        {
        }
    }

    internal static string OpenNonce(string eo, out JsonObject options)
    {
        using var box = new SecretBox(Secret);
        Assert.True(box.TryOpen(eo, out byte[]? plaintext));
        options = JsonNode.Parse(plaintext)!.AsObject();
        return (string)options["nonce"]!;
    }
}
