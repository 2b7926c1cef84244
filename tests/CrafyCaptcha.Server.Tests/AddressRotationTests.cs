using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// A script that rotates its address inside one network, from real sockets bound to each source address (no header
/// tricks): IPv4 from 120 addresses of one /24, IPv6 from 120 addresses of one /64. Rotation is itself a signal
/// (<c>network_rotation</c>: distinct hosts per network), and an IPv6 client is its /64, so the ladder climbs as it
/// does for one address. A household (eight addresses) stays invisible.
/// </summary>
public sealed class AddressRotationTests(ITestOutputHelper output)
{
    private const int Passes = 120;
    private const int MaxInvisibleTokens = 40;

    [Fact]
    public async Task Passes_from_120_addresses_of_one_IPv4_network_get_at_most_40_invisible_tokens()
    {
        using var app = new EngineApp(listenOn: IPAddress.Loopback);
        IPAddress[] sources = [.. Enumerable.Range(1, Passes).Select(i => IPAddress.Parse($"127.0.77.{i}"))];

        await AssertRotationClimbsTheLadderAsync(app, sources);
    }

    [Fact]
    public async Task Passes_from_120_addresses_of_one_IPv4_network_get_at_most_40_invisible_tokens_with_the_state_on_Redis()
    {
        // The velocity windows are one Redis script there (CountWindowsAsync): the same attack, the same ceiling.
        var redis = new RedisServer();
        await redis.InitializeAsync();
        try
        {
            using var app = new EngineApp(listenOn: IPAddress.Loopback, settings: new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.Configuration });
            IPAddress[] sources = [.. Enumerable.Range(1, Passes).Select(i => IPAddress.Parse($"127.0.76.{i}"))];

            await AssertRotationClimbsTheLadderAsync(app, sources);

            // The counts were Redis's: the network's windows, under its hash tag.
            await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
            StackExchange.Redis.IServer server = connection.GetServer(connection.GetEndPoints()[0]);
            Assert.NotEmpty(server.Keys(pattern: "crafy:engine:v:{127.0.76.0/24}:hosts:*").ToArray());
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task Passes_from_120_addresses_of_one_IPv6_64_get_at_most_40_invisible_tokens()
    {
        const string Prefix = "fd00:c0de:77::/64";
        Assert.True(BoundClient.TryRouteToLoopback(Prefix, out string reason), $"this test binds IPv6 source addresses and needs root: {reason}");
        using var app = new EngineApp(listenOn: IPAddress.IPv6Loopback);
        IPAddress[] sources = [.. Enumerable.Range(1, Passes).Select(i => IPAddress.Parse($"fd00:c0de:77::{i:x}:{i * 7:x}"))];

        await AssertRotationClimbsTheLadderAsync(app, sources);
    }

    [Fact]
    public async Task The_64s_of_one_IPv6_48_are_hosts_of_one_network_and_eight_of_them_stay_invisible()
    {
        // Not rotation within a /64 but 24 /64s of one /48: one site, whose hosts the network counts.
        const string Prefix = "fd00:c0de:78::/48";
        Assert.True(BoundClient.TryRouteToLoopback(Prefix, out string reason), $"this test binds IPv6 source addresses and needs root: {reason}");
        using var app = new EngineApp(listenOn: IPAddress.IPv6Loopback);
        var outcomes = new List<string>();
        for (int i = 1; i <= 24; i++)
        {
            outcomes.Add(await PassAsync(app, IPAddress.Parse($"fd00:c0de:78:{i:x}::1")));
        }

        output.WriteLine(string.Join(" ", outcomes));
        Assert.All(outcomes.Take(8), o => Assert.Equal("T", o));
        Assert.Contains(outcomes.Skip(8), o => o == "I");
    }

    [Fact]
    public async Task An_office_of_eight_machines_that_comes_back_in_the_next_window_is_counted_once_and_stays_invisible()
    {
        // The velocity window's figure is this window's count and the previous one's weighted share: a host seen in
        // both must count once, or eight machines loading on each side of a window boundary look like fifteen.
        TimeSpan window = TimeSpan.FromMinutes(10);
        long now = DateTimeOffset.UtcNow.UtcTicks;
        var clock = new FakeTimeProvider(new DateTimeOffset(now - (now % window.Ticks) + (long)(window.Ticks * 0.9), TimeSpan.Zero));
        using var app = new EngineApp(timeProvider: clock, listenOn: IPAddress.Loopback);
        IPAddress[] office = [.. Enumerable.Range(1, 8).Select(i => IPAddress.Parse($"127.0.79.{i}"))];

        var steps = new List<string>();
        foreach (IPAddress machine in office)
        {
            steps.Add(await StepAsync(app, machine));
        }

        clock.Advance(window * 0.15); // into the next window, most of the previous one still counted
        foreach (IPAddress machine in office)
        {
            steps.Add(await StepAsync(app, machine));
        }

        output.WriteLine(string.Join(" ", steps));
        Assert.All(steps, s => Assert.Equal("invisible", s));
    }

    /// <summary>The step a challenge load from <paramref name="source"/> gets (nothing answered).</summary>
    private static async Task<string> StepAsync(EngineApp app, IPAddress source)
    {
        using HttpClient client = BoundClient.From(source, app.BaseAddress);
        PageInit page = await EngineApp.OpenPageAsync(client, "/Comments");
        string eo = await EngineApp.GetEoAsync(client, page, "comments");
        ChallengePage challenge = await EngineApp.LoadChallengeAsync(client, page.PublicToken, eo, app.BaseAddress.GetLeftPart(UriPartial.Authority));
        return challenge.Interactive ? "interactive" : "invisible";
    }

    private async Task AssertRotationClimbsTheLadderAsync(EngineApp app, IPAddress[] sources)
    {
        var outcomes = new List<string>();
        foreach (IPAddress source in sources)
        {
            outcomes.Add(await PassAsync(app, source));
        }

        string trace = string.Join(" ", outcomes);
        output.WriteLine(trace);
        int invisibleTokens = outcomes.Count(o => o == "T");
        Assert.True(invisibleTokens <= MaxInvisibleTokens, $"{invisibleTokens} of {Passes} rotated passes got an invisible token: {trace}");

        // A household or small office (the first eight addresses) is not slowed down.
        Assert.All(outcomes.Take(8), o => Assert.Equal("T", o));

        // The rest is interactive (or refused), never invisible once the network's rotation is seen.
        Assert.All(outcomes.Skip(MaxInvisibleTokens), o => Assert.NotEqual("T", o));
    }

    /// <summary>One pass from <paramref name="source"/>: T an invisible token, I an interactive step, R refused, F the invisible answer failed.</summary>
    private static async Task<string> PassAsync(EngineApp app, IPAddress source)
    {
        using HttpClient client = BoundClient.From(source, app.BaseAddress);
        PageInit page = await EngineApp.OpenPageAsync(client, "/Comments");
        string eo;
        try
        {
            eo = await EngineApp.GetEoAsync(client, page, "comments");
        }
        catch (HttpRequestException ex) when (ex.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return "R"; // the site's options endpoint: past its per-minute budget for this host
        }

        ChallengePage challenge;
        try
        {
            challenge = await EngineApp.LoadChallengeAsync(client, page.PublicToken, eo, app.BaseAddress.GetLeftPart(UriPartial.Authority));
        }
        catch (Xunit.Sdk.XunitException)
        {
            return "R";
        }

        if (challenge.Interactive)
        {
            return "I";
        }

        (HttpStatusCode status, _) = await EngineApp.AnswerAsync(client, challenge);
        return status == HttpStatusCode.OK ? "T" : "F";
    }
}
