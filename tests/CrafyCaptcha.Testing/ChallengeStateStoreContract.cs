namespace CrafyCaptcha.Testing;

/// <summary>
/// What every <see cref="IChallengeStateStore"/> must do, run against each implementation (in-memory here, Redis in the
/// Redis tests). Each test uses keys of its own, so implementations may share a backing server.
/// </summary>
public abstract class ChallengeStateStoreContract
{
    private const int Racers = 64;
    private readonly string _prefix = Guid.NewGuid().ToString("N")[..8] + ":";

    /// <summary>The store under test.</summary>
    protected abstract IChallengeStateStore Store { get; }

    /// <summary>A second handle on the same state (another connection for Redis); racers alternate between the two.</summary>
    protected virtual IChallengeStateStore OtherStore => Store;

    /// <summary>The shortest time to live the expiry tests use; <see cref="LetTimePassAsync"/> must be able to outlast it.</summary>
    protected virtual TimeSpan ShortLife => TimeSpan.FromSeconds(1);

    /// <summary>Lets <paramref name="duration"/> pass for the store (a fake clock, or real time).</summary>
    protected abstract Task LetTimePassAsync(TimeSpan duration);

    private string Key(string name) => _prefix + name;

    [Fact]
    public async Task Set_then_get_returns_the_value_and_set_replaces_it()
    {
        await Store.SetAsync(Key("flow"), "first"u8.ToArray(), TimeSpan.FromMinutes(1));
        Assert.Equal("first"u8.ToArray(), await Store.GetAsync(Key("flow")));
        Assert.Equal("first"u8.ToArray(), await OtherStore.GetAsync(Key("flow")));

        await Store.SetAsync(Key("flow"), "second"u8.ToArray(), TimeSpan.FromMinutes(1));
        Assert.Equal("second"u8.ToArray(), await Store.GetAsync(Key("flow")));
    }

    [Fact]
    public async Task A_returned_value_is_a_copy_the_caller_cannot_change_in_the_store()
    {
        byte[] written = [1, 2, 3];
        await Store.SetAsync(Key("v"), written, TimeSpan.FromMinutes(1));
        written[0] = 9;
        byte[] read = (await Store.GetAsync(Key("v")))!;
        read[1] = 9;

        Assert.Equal(new byte[] { 1, 2, 3 }, await Store.GetAsync(Key("v")));
    }

    [Fact]
    public async Task An_absent_key_reads_as_nothing()
    {
        Assert.Null(await Store.GetAsync(Key("none")));
        Assert.Null(await Store.TakeAsync(Key("none")));
        Assert.Equal(0, await Store.GetCountAsync(Key("none")));
    }

    [Fact]
    public async Task Try_add_stores_only_when_the_key_is_absent_and_never_overwrites()
    {
        Assert.True(await Store.TryAddAsync(Key("mark"), "a"u8.ToArray(), TimeSpan.FromMinutes(1)));
        Assert.False(await Store.TryAddAsync(Key("mark"), "b"u8.ToArray(), TimeSpan.FromMinutes(1)));
        Assert.False(await OtherStore.TryAddAsync(Key("mark"), "c"u8.ToArray(), TimeSpan.FromMinutes(1)));

        Assert.Equal("a"u8.ToArray(), await Store.GetAsync(Key("mark")));
    }

    [Fact]
    public async Task Take_returns_the_value_once_and_removes_it()
    {
        await Store.SetAsync(Key("pow"), "x"u8.ToArray(), TimeSpan.FromMinutes(1));

        Assert.Equal("x"u8.ToArray(), await Store.TakeAsync(Key("pow")));
        Assert.Null(await Store.TakeAsync(Key("pow")));
        Assert.Null(await OtherStore.GetAsync(Key("pow")));
        Assert.True(await Store.TryAddAsync(Key("pow"), "y"u8.ToArray(), TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task An_empty_value_is_a_value()
    {
        Assert.True(await Store.TryAddAsync(Key("empty"), ReadOnlyMemory<byte>.Empty, TimeSpan.FromMinutes(1)));

        Assert.Equal(Array.Empty<byte>(), await Store.GetAsync(Key("empty")));
        Assert.Equal(Array.Empty<byte>(), await Store.TakeAsync(Key("empty")));
        Assert.Null(await Store.TakeAsync(Key("empty")));
    }

    [Fact]
    public async Task Try_add_succeeds_exactly_once_under_64_way_concurrency()
    {
        for (int round = 0; round < 20; round++)
        {
            string key = Key($"once{round}");
            bool[] results = await RaceAsync(i => (i % 2 == 0 ? Store : OtherStore).TryAddAsync(key, new byte[] { (byte)i }, TimeSpan.FromMinutes(1)).AsTask());

            Assert.Equal(1, results.Count(added => added));
            byte winner = (byte)Array.IndexOf(results, true);
            Assert.Equal(new[] { winner }, await Store.GetAsync(key));
        }
    }

    [Fact]
    public async Task Take_gives_the_value_to_exactly_one_of_64_concurrent_callers()
    {
        for (int round = 0; round < 20; round++)
        {
            string key = Key($"take{round}");
            await Store.SetAsync(key, "flow"u8.ToArray(), TimeSpan.FromMinutes(1));

            byte[]?[] results = await RaceAsync(i => (i % 2 == 0 ? Store : OtherStore).TakeAsync(key).AsTask());

            Assert.Single(results, r => r is not null);
            Assert.Equal("flow"u8.ToArray(), results.Single(r => r is not null));
        }
    }

    [Fact]
    public async Task Increment_never_loses_a_count_under_64_way_concurrency()
    {
        const int PerRacer = 25;
        string key = Key("velocity");

        long[][] seen = await RaceAsync(async i =>
        {
            IChallengeStateStore store = i % 2 == 0 ? Store : OtherStore;
            long[] mine = new long[PerRacer];
            for (int j = 0; j < PerRacer; j++)
            {
                mine[j] = await store.IncrementAsync(key, TimeSpan.FromMinutes(1));
            }

            return mine;
        });

        Assert.Equal(Racers * PerRacer, await Store.GetCountAsync(key));
        Assert.Equal(Enumerable.Range(1, Racers * PerRacer).Select(n => (long)n), seen.SelectMany(s => s).Order());
    }

    [Fact]
    public async Task Values_marks_and_counters_expire_after_their_time_to_live()
    {
        TimeSpan life = ShortLife;
        await Store.SetAsync(Key("flow"), "f"u8.ToArray(), life);
        await Store.TryAddAsync(Key("mark"), "m"u8.ToArray(), life);
        await Store.SetAsync(Key("take"), "t"u8.ToArray(), life);
        await Store.IncrementAsync(Key("count"), life);
        await Store.IncrementAsync(Key("count"), life);
        await Store.SetAsync(Key("long"), "l"u8.ToArray(), TimeSpan.FromMinutes(5));
        Assert.Equal(2, await Store.GetCountAsync(Key("count")));

        await LetTimePassAsync(life * 1.5);

        Assert.Null(await Store.GetAsync(Key("flow")));
        Assert.Null(await Store.TakeAsync(Key("take")));
        Assert.Equal(0, await Store.GetCountAsync(Key("count")));
        Assert.True(await Store.TryAddAsync(Key("mark"), "again"u8.ToArray(), TimeSpan.FromMinutes(1)));
        Assert.Equal(1, await Store.IncrementAsync(Key("count"), TimeSpan.FromMinutes(1)));
        Assert.Equal("l"u8.ToArray(), await Store.GetAsync(Key("long")));
    }

    [Fact]
    public async Task Incrementing_does_not_extend_a_counters_life_so_a_window_ends_on_time()
    {
        TimeSpan life = ShortLife;
        Assert.Equal(1, await Store.IncrementAsync(Key("window"), life));
        Assert.Equal(2, await OtherStore.IncrementAsync(Key("window"), TimeSpan.FromMinutes(5)));

        await LetTimePassAsync(life * 1.5);

        Assert.Equal(0, await Store.GetCountAsync(Key("window")));
        Assert.Equal(1, await Store.IncrementAsync(Key("window"), life));
    }

    [Fact]
    public async Task Bad_arguments_are_refused_before_touching_the_store()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SetAsync("", "x"u8.ToArray(), TimeSpan.FromMinutes(1)).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.SetAsync(Key("k"), "x"u8.ToArray(), TimeSpan.Zero).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.TryAddAsync(Key("k"), "x"u8.ToArray(), TimeSpan.FromSeconds(-1)).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.IncrementAsync(Key("k"), TimeSpan.Zero).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Store.TakeAsync("").AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.GetAsync(Key("k"), new CancellationToken(canceled: true)).AsTask());

        Assert.Null(await Store.GetAsync(Key("k")));
    }

    [Fact]
    public async Task Counting_windows_adds_to_the_current_window_and_reads_both_in_order()
    {
        for (int i = 0; i < 3; i++)
        {
            await Store.IncrementAsync(Key("loads:9"), TimeSpan.FromMinutes(1));
        }

        ChallengeWindowCounter loads = new(Key("loads:10"), Key("loads:9"), TimeSpan.FromMinutes(1), Increment: true);
        ChallengeWindowCounter failures = new(Key("fails:10"), Key("fails:9"), TimeSpan.FromMinutes(1));
        Assert.Equal([new(1, 3), new(0, 0)], await Store.CountWindowsAsync([loads, failures]));
        Assert.Equal([new(0, 0), new(2, 3)], await OtherStore.CountWindowsAsync([failures, loads]));
        Assert.Equal(2, await Store.GetCountAsync(Key("loads:10")));
        Assert.Empty(await Store.CountWindowsAsync([]));
    }

    [Fact]
    public async Task A_once_key_counts_each_subject_once_per_window()
    {
        ChallengeWindowCounter Host(string address) => new(Key("hosts:10"), Key("hosts:9"), TimeSpan.FromMinutes(1), Increment: true, OnceKey: Key("seen:" + address));

        Assert.Equal(1, (await Store.CountWindowsAsync([Host("a")]))[0].Current);
        Assert.Equal(1, (await OtherStore.CountWindowsAsync([Host("a")]))[0].Current);
        Assert.Equal(2, (await Store.CountWindowsAsync([Host("b")]))[0].Current);
        Assert.Equal(2, (await Store.CountWindowsAsync([Host("a"), Host("b")]))[1].Current);
    }

    [Fact]
    public async Task Counting_windows_never_loses_a_count_and_a_once_key_adds_once_under_64_way_concurrency()
    {
        ChallengeWindowCounter loads = new(Key("loads:10"), Key("loads:9"), TimeSpan.FromMinutes(1), Increment: true);
        ChallengeWindowCounter host = new(Key("hosts:10"), Key("hosts:9"), TimeSpan.FromMinutes(1), Increment: true, OnceKey: Key("seen:a"));

        ChallengeWindowCount[][] seen = await RaceAsync(i => (i % 2 == 0 ? Store : OtherStore).CountWindowsAsync([loads, host]).AsTask());

        Assert.Equal(Enumerable.Range(1, Racers).Select(n => (long)n), seen.Select(s => s[0].Current).Order());
        Assert.All(seen, s => Assert.Equal(1, s[1].Current));
        Assert.Equal(1, await Store.GetCountAsync(Key("hosts:10")));
    }

    [Fact]
    public async Task Counted_windows_and_once_keys_expire_after_their_time_to_live()
    {
        TimeSpan life = ShortLife;
        ChallengeWindowCounter host = new(Key("hosts:10"), Key("hosts:9"), life, Increment: true, OnceKey: Key("seen:a"));
        Assert.Equal(1, (await Store.CountWindowsAsync([host]))[0].Current);

        await LetTimePassAsync(life * 1.5);

        Assert.Equal(0, await Store.GetCountAsync(Key("hosts:10")));
        Assert.Equal(1, (await Store.CountWindowsAsync([host]))[0].Current);
    }

    [Fact]
    public async Task Counting_windows_refuses_bad_arguments_before_touching_the_store()
    {
        ChallengeWindowCounter good = new(Key("c:1"), Key("c:0"), TimeSpan.FromMinutes(1), Increment: true);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CountWindowsAsync([good, good with { PreviousKey = "" }]).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.CountWindowsAsync([good, good with { TimeToLive = TimeSpan.Zero, Increment = false }]).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CountWindowsAsync([good, good with { OnceKey = "" }]).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.CountWindowsAsync([good], new CancellationToken(canceled: true)).AsTask());

        Assert.Equal(0, await Store.GetCountAsync(Key("c:1")));
    }

    /// <summary>Starts <see cref="Racers"/> callers at once (released together by one gate) and collects their results.</summary>
    private static async Task<T[]> RaceAsync<T>(Func<int, Task<T>> racer)
    {
        using var start = new ManualResetEventSlim();
        Task<T>[] racers = Enumerable.Range(0, Racers).Select(i => Task.Run(() =>
        {
            start.Wait();
            return racer(i);
        })).ToArray();
        start.Set();
        return await Task.WhenAll(racers);
    }
}
