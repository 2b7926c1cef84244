using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace CrafyCaptcha.StackExchangeRedis.Tests;

/// <summary>The store itself against a real Redis.</summary>
public sealed class RedisNonceStoreTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private ServiceProvider Provider(string prefix)
    {
        var services = new ServiceCollection();
        services.AddCrafyCaptchaCore(o => o.SecretKey = "sk_test").AddRedisNonceStore(o =>
        {
            o.Configuration = redis.Configuration;
            o.KeyPrefix = prefix;
        });
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task A_nonce_is_consumed_once_with_its_context()
    {
        await using ServiceProvider provider = Provider("t1:");
        INonceStore store = provider.GetRequiredService<INonceStore>();

        await store.StoreAsync("a", "{\"policy\":\"login\"}", TimeSpan.FromMinutes(1));
        await store.StoreAsync("b", null, TimeSpan.FromMinutes(1));

        Assert.Equal(new NonceConsumption(true, "{\"policy\":\"login\"}"), await store.TryConsumeAsync("a"));
        Assert.Equal(NonceConsumption.NotFound, await store.TryConsumeAsync("a"));
        Assert.Equal(new NonceConsumption(true, null), await store.TryConsumeAsync("b"));
    }

    [Fact]
    public async Task Redis_expires_nonces()
    {
        await using ServiceProvider provider = Provider("t2:");
        INonceStore store = provider.GetRequiredService<INonceStore>();

        await store.StoreAsync("short", null, TimeSpan.FromMilliseconds(300));
        await store.StoreAsync("long", null, TimeSpan.FromMinutes(1));
        await Task.Delay(700);

        Assert.False((await store.TryConsumeAsync("short")).Consumed);
        Assert.True((await store.TryConsumeAsync("long")).Consumed);
    }

    [Fact]
    public async Task Sixty_four_concurrent_consumers_on_two_connections_get_it_exactly_once()
    {
        await using ServiceProvider a = Provider("t3:");
        await using ServiceProvider b = Provider("t3:");
        INonceStore storeA = a.GetRequiredService<INonceStore>(), storeB = b.GetRequiredService<INonceStore>();
        for (int round = 0; round < 20; round++)
        {
            string nonce = $"n{round}";
            await storeA.StoreAsync(nonce, null, TimeSpan.FromMinutes(1));
            using var start = new ManualResetEventSlim();
            Task<NonceConsumption>[] racers = Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
            {
                start.Wait();
                return await (i % 2 == 0 ? storeA : storeB).TryConsumeAsync(nonce);
            })).ToArray();
            start.Set();

            Assert.Equal(1, (await Task.WhenAll(racers)).Count(r => r.Consumed));
        }
    }

    [Fact]
    public async Task Clear_all_removes_only_the_stores_keys_without_KEYS()
    {
        await using ServiceProvider provider = Provider("t4:");
        INonceStore store = provider.GetRequiredService<INonceStore>();
        await using ConnectionMultiplexer direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        await direct.GetDatabase().StringSetAsync("other:key", "keep");
        for (int i = 0; i < 2500; i++)
        {
            await store.StoreAsync($"n{i}", null, TimeSpan.FromMinutes(1));
        }

        await store.ClearAllNoncesAsync();

        Assert.False((await store.TryConsumeAsync("n0")).Consumed);
        Assert.False((await store.TryConsumeAsync("n2499")).Consumed);
        Assert.Equal("keep", (string?)await direct.GetDatabase().StringGetAsync("other:key"));
    }

    [Fact]
    public async Task Clear_all_with_glob_characters_in_the_prefix_removes_its_own_keys_and_not_another_apps()
    {
        // An InstanceName such as "shop[1]:" is a glob in SCAN MATCH unless escaped: it would match "shop1:" keys.
        string run = Guid.NewGuid().ToString("N")[..6];
        await using ServiceProvider bracketed = Provider($"g{run}[1]*?:");
        await using ServiceProvider plain = Provider($"g{run}1x:");
        INonceStore own = bracketed.GetRequiredService<INonceStore>(), other = plain.GetRequiredService<INonceStore>();
        await own.StoreAsync("mine", null, TimeSpan.FromMinutes(1));
        await other.StoreAsync("theirs", null, TimeSpan.FromMinutes(1));

        await own.ClearAllNoncesAsync();

        Assert.False((await own.TryConsumeAsync("mine")).Consumed);
        Assert.True((await other.TryConsumeAsync("theirs")).Consumed);
    }

    [Fact]
    public async Task The_provider_can_be_disposed_synchronously_after_use()
    {
        ServiceProvider provider = Provider("t5:");
        await provider.GetRequiredService<INonceStore>().StoreAsync("x", null, TimeSpan.FromMinutes(1));

        provider.Dispose();
    }

    [Fact]
    public void A_store_without_a_connection_fails_at_start_up()
    {
        var services = new ServiceCollection();
        services.AddCrafyCaptchaCore(o => o.SecretKey = "sk_test").AddRedisNonceStore(_ => { });
        using ServiceProvider provider = services.BuildServiceProvider();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<RedisNonceStoreOptions>>().Value);
        Assert.Contains("set a configuration string", error.Message, StringComparison.Ordinal);
    }
}
