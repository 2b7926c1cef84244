using CrafyCaptcha.Server.State;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CrafyCaptcha.Server.Tests.State;

/// <summary>The store contract against the in-memory default, on a fake clock.</summary>
public sealed class InMemoryChallengeStateStoreContractTests : ChallengeStateStoreContract
{
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryChallengeStateStore _store;

    public InMemoryChallengeStateStoreContractTests() => _store = InMemoryChallengeStateStoreTests.Create(_time, 100_000);

    protected override IChallengeStateStore Store => _store;

    protected override Task LetTimePassAsync(TimeSpan duration)
    {
        _time.Advance(duration);
        return Task.CompletedTask;
    }
}

/// <summary>What only the in-memory store promises: a hard bound that evicts instead of refusing, and its registration.</summary>
public sealed class InMemoryChallengeStateStoreTests
{
    private static readonly TimeSpan Life = TimeSpan.FromMinutes(10);

    internal static InMemoryChallengeStateStore Create(TimeProvider time, int maxEntries)
        => new(Options.Create(new ChallengeStateOptions { MaxEntries = maxEntries }), time, NullLogger<InMemoryChallengeStateStore>.Instance);

    [Fact]
    public async Task A_full_store_drops_the_oldest_entries_and_keeps_accepting_the_newest()
    {
        InMemoryChallengeStateStore store = Create(new FakeTimeProvider(), 1_000);

        for (int i = 0; i < 5_000; i++)
        {
            Assert.True(await store.TryAddAsync($"flow:{i}", new byte[] { 1 }, Life));
            Assert.True(store.Count <= 1_000);
        }

        Assert.Equal(1_000, store.Count);
        for (int i = 0; i < 4_000; i++)
        {
            Assert.Null(await store.GetAsync($"flow:{i}"));
        }

        for (int i = 4_000; i < 5_000; i++)
        {
            Assert.NotNull(await store.GetAsync($"flow:{i}"));
        }
    }

    [Fact]
    public async Task A_flood_cannot_push_out_a_counter_that_keeps_being_used_nor_a_flow_read_recently()
    {
        InMemoryChallengeStateStore store = Create(new FakeTimeProvider(), 1_000);
        await store.SetAsync("flow:legit", "record"u8.ToArray(), Life);

        for (int i = 0; i < 10_000; i++)
        {
            await store.SetAsync($"flow:flood{i}", "junk"u8.ToArray(), Life);
            await store.IncrementAsync("velocity:203.0.113.7", Life);
            if (i % 500 == 0)
            {
                Assert.NotNull(await store.GetAsync("flow:legit"));
            }
        }

        Assert.Equal(10_000, await store.GetCountAsync("velocity:203.0.113.7"));
        Assert.Equal("record"u8.ToArray(), await store.TakeAsync("flow:legit"));
        Assert.Null(await store.GetAsync("flow:flood0"));
        Assert.NotNull(await store.GetAsync("flow:flood9999"));
    }

    [Fact]
    public async Task Expired_entries_are_swept_by_later_writes_without_being_touched()
    {
        var time = new FakeTimeProvider();
        InMemoryChallengeStateStore store = Create(time, 1_000);
        for (int i = 0; i < 1_000; i++)
        {
            await store.SetAsync($"old:{i}", new byte[] { 1 }, TimeSpan.FromMinutes(1));
        }

        time.Advance(TimeSpan.FromMinutes(2));
        for (int i = 0; i < 600; i++)
        {
            await store.SetAsync($"new:{i}", new byte[] { 2 }, Life);
        }

        Assert.Equal(600, store.Count);
    }

    [Fact]
    public async Task Mixing_a_value_and_a_counter_on_one_key_is_a_programming_error()
    {
        InMemoryChallengeStateStore store = Create(new FakeTimeProvider(), 1_000);
        await store.SetAsync("value", new byte[] { 1 }, Life);
        await store.IncrementAsync("counter", Life);

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.IncrementAsync("value", Life).AsTask());
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetAsync("counter").AsTask());
    }

    [Fact]
    public void The_engine_registers_the_in_memory_store_bound_from_configuration()
    {
        using ServiceProvider provider = Services(new() { ["CrafyChallengeServer:State:MaxEntries"] = "2000" }).BuildServiceProvider();

        Assert.IsType<InMemoryChallengeStateStore>(provider.GetRequiredService<IChallengeStateStore>());
        Assert.Equal(2_000, provider.GetRequiredService<IOptions<ChallengeStateOptions>>().Value.MaxEntries);
        Assert.Same(provider.GetRequiredService<IChallengeStateStore>(), provider.GetRequiredService<IChallengeStateStore>());
    }

    [Fact]
    public void A_store_registered_before_the_engine_is_kept()
    {
        InMemoryChallengeStateStore mine = Create(TimeProvider.System, 1_000);
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSingleton<IChallengeStateStore>(mine);
        services.AddCrafyChallengeServer();
        services.AddCrafyChallengeServer();

        using ServiceProvider provider = services.BuildServiceProvider();
        Assert.Same(mine, provider.GetRequiredService<IChallengeStateStore>());
        Assert.Single(services, d => d.ServiceType == typeof(IChallengeStateStore));
    }

    [Fact]
    public void A_bound_too_small_to_serve_anyone_fails_at_start_up_naming_the_key()
    {
        using ServiceProvider provider = Services(new() { ["CrafyChallengeServer:State:MaxEntries"] = "10" }).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChallengeStateOptions>>().Value);
        Assert.Contains("CrafyChallengeServer:State:MaxEntries", error.Message, StringComparison.Ordinal);
    }

    private static ServiceCollection Services(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddCrafyChallengeServer();
        return services;
    }
}
