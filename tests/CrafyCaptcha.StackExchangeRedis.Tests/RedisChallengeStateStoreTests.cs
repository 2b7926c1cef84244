using CrafyCaptcha.StackExchangeRedis.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace CrafyCaptcha.StackExchangeRedis.Tests;

/// <summary>The engine state store contract against a real Redis, racers split over two connections.</summary>
public sealed class RedisChallengeStateStoreContractTests : ChallengeStateStoreContract, IClassFixture<RedisServer>, IDisposable
{
    private readonly ServiceProvider _one;
    private readonly ServiceProvider _two;

    public RedisChallengeStateStoreContractTests(RedisServer redis)
    {
        _one = RedisChallengeStateStoreTests.Provider(redis);
        _two = RedisChallengeStateStoreTests.Provider(redis);
    }

    protected override IChallengeStateStore Store => _one.GetRequiredService<IChallengeStateStore>();

    protected override IChallengeStateStore OtherStore => _two.GetRequiredService<IChallengeStateStore>();

    protected override Task LetTimePassAsync(TimeSpan duration) => Task.Delay(duration);

    public void Dispose()
    {
        _one.Dispose();
        _two.Dispose();
    }
}

/// <summary>What the Redis state store adds: its keys, its registration, and failing closed while Redis is down.</summary>
public sealed class RedisChallengeStateStoreTests(RedisServer redis) : IClassFixture<RedisServer>
{
    /// <summary>
    /// A provider on the test Redis. The default 5 s timeout keeps a loaded test machine (a busy thread pool delaying
    /// the first reply) from failing the contract; the outage test asks for a short one to see Redis fail fast.
    /// </summary>
    internal static ServiceProvider Provider(RedisServer redis, Action<IServiceCollection>? more = null, TimeSpan? operationTimeout = null)
    {
        var services = new ServiceCollection();
        services.AddCrafyCaptchaCore(o => o.SecretKey = "sk_test").AddRedisNonceStore(o =>
        {
            o.Configuration = redis.Configuration;
            o.OperationTimeout = operationTimeout ?? TimeSpan.FromSeconds(5);
        });
        more?.Invoke(services);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Keys_live_under_their_own_prefix_with_a_time_to_live_and_survive_clearing_the_nonces()
    {
        await using ServiceProvider provider = Provider(redis);
        IChallengeStateStore store = provider.GetRequiredService<IChallengeStateStore>();
        await using ConnectionMultiplexer direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        IDatabase db = direct.GetDatabase();

        await store.SetAsync("flow:k1", "r"u8.ToArray(), TimeSpan.FromMinutes(1));
        await store.IncrementAsync("velocity:k1", TimeSpan.FromMinutes(1));
        await store.IncrementAsync("velocity:k1", TimeSpan.FromMinutes(1));
        await provider.GetRequiredService<INonceStore>().ClearAllNoncesAsync();

        Assert.Equal("r", (string?)await db.StringGetAsync("crafy:engine:flow:k1"));
        Assert.InRange((await db.KeyTimeToLiveAsync("crafy:engine:flow:k1"))!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));
        Assert.InRange((await db.KeyTimeToLiveAsync("crafy:engine:velocity:k1"))!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));
        Assert.Equal(2, (long)await db.StringGetAsync("crafy:engine:velocity:k1"));
    }

    [Fact]
    public async Task A_counter_left_without_a_time_to_live_gets_one_on_the_next_increment()
    {
        await using ServiceProvider provider = Provider(redis);
        await using ConnectionMultiplexer direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        await direct.GetDatabase().StringSetAsync("crafy:engine:velocity:forever", 5);

        Assert.Equal(6, await provider.GetRequiredService<IChallengeStateStore>().IncrementAsync("velocity:forever", TimeSpan.FromMinutes(1)));
        Assert.NotNull(await direct.GetDatabase().KeyTimeToLiveAsync("crafy:engine:velocity:forever"));
    }

    [Fact]
    public void The_redis_nonce_store_moves_the_engine_state_to_redis_whichever_is_registered_first()
    {
        var config = new ConfigurationBuilder().Build();
        using ServiceProvider redisFirst = Provider(redis, s => s.AddSingleton<IConfiguration>(config).AddCrafyChallengeServer());
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(config).AddCrafyChallengeServer();
        services.AddCrafyCaptchaCore(o => o.SecretKey = "sk_test").AddRedisNonceStore(redis.Configuration);
        using ServiceProvider engineFirst = services.BuildServiceProvider();

        Assert.IsType<RedisChallengeStateStore>(redisFirst.GetRequiredService<IChallengeStateStore>());
        Assert.IsType<RedisChallengeStateStore>(engineFirst.GetRequiredService<IChallengeStateStore>());
        Assert.Single(services, d => d.ServiceType == typeof(IChallengeStateStore));
    }

    [Fact]
    public void An_engine_prefix_inside_the_nonce_prefix_fails_at_start_up()
    {
        var services = new ServiceCollection();
        services.AddCrafyCaptchaCore(o => o.SecretKey = "sk_test").AddRedisNonceStore(o =>
        {
            o.Configuration = redis.Configuration;
            o.KeyPrefix = "crafy:";
        });
        using ServiceProvider provider = services.BuildServiceProvider();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<RedisNonceStoreOptions>>().Value);
        Assert.Contains("ChallengeStateKeyPrefix", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_redis_is_down_every_operation_fails_closed_and_service_returns_with_redis()
    {
        await using ServiceProvider provider = Provider(redis, operationTimeout: TimeSpan.FromMilliseconds(500));
        IChallengeStateStore store = provider.GetRequiredService<IChallengeStateStore>();
        await store.SetAsync("flow:before", "r"u8.ToArray(), TimeSpan.FromMinutes(1));

        await redis.StopAsync();
        try
        {
            Func<Task>[] operations =
            [
                () => store.SetAsync("flow:x", "r"u8.ToArray(), TimeSpan.FromMinutes(1)).AsTask(),
                () => store.TryAddAsync("mark:x", "m"u8.ToArray(), TimeSpan.FromMinutes(1)).AsTask(),
                () => store.GetAsync("flow:before").AsTask(),
                () => store.TakeAsync("flow:before").AsTask(),
                () => store.IncrementAsync("velocity:x", TimeSpan.FromMinutes(1)).AsTask(),
                () => store.GetCountAsync("velocity:x").AsTask(),
            ];
            foreach (Func<Task> operation in operations)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var error = await Assert.ThrowsAsync<ChallengeStateUnavailableException>(operation);
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"failing took {watch.Elapsed}");
                Assert.NotNull(error.InnerException);
            }
        }
        finally
        {
            await redis.StartAsync();
        }

        bool recovered = false;
        for (int i = 0; i < 100 && !recovered; i++)
        {
            try
            {
                recovered = await store.TryAddAsync("mark:after", "m"u8.ToArray(), TimeSpan.FromMinutes(1));
            }
            catch (ChallengeStateUnavailableException)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(recovered, "the store did not come back when Redis did");
        Assert.Equal(1, await store.IncrementAsync("velocity:after", TimeSpan.FromMinutes(1)));
    }
}
