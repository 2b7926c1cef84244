using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// Issue 8's attacks, from outside, as a script would: plain HTTP with a browser's headers, perfect telemetry, the
/// proof-of-work solved natively and answered as late as a browser would, many passes from one address. All with the
/// engine's default risk settings.
/// </summary>
public sealed class AbuseTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string ChromeUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

    private static readonly (string, string)[] BrowserHeaders =
    [
        ("User-Agent", ChromeUserAgent),
        ("Accept-Language", "en-US,en;q=0.9"),
        ("Sec-Fetch-Dest", "iframe"),
        ("Sec-Fetch-Mode", "navigate"),
        ("Sec-CH-UA", "\"Chromium\";v=\"156\", \"Not?A_Brand\";v=\"24\""),
    ];

    private sealed record Pass(bool Refused, bool Interactive, int MaxNumber, bool Accepted);

    [Fact]
    public async Task A_later_refusal_from_the_same_address_adds_to_the_remembered_markers_instead_of_wiping_them()
    {
        // Many tabs from one bot: one answer gave the program's webdriver marker away, another (opened before the first was
        // refused) then came back without Turnstile. The next load from that address must still know both.
        using var app = new EngineApp();
        var risk = app.Factory.Services.GetRequiredService<CrafyCaptcha.Server.Risk.RiskEngine>();
        var address = IPAddress.Parse("198.51.100.23");
        await risk.RememberMarkersAsync(address, [CrafyCaptcha.Server.Risk.RiskReasons.Webdriver], CancellationToken.None);
        await risk.RememberMarkersAsync(address, [CrafyCaptcha.Server.Risk.RiskReasons.TurnstileUnavailable], CancellationToken.None);
        await risk.RememberMarkersAsync(address, [CrafyCaptcha.Server.Risk.RiskReasons.TurnstileUnavailable], CancellationToken.None);

        var signals = new CrafyCaptcha.Server.Risk.RiskSignals(address, ChromeUserAgent, "en-US,en;q=0.9", "\"Chromium\";v=\"156\"", "iframe", "navigate", SecureContext: true);
        CrafyCaptcha.Server.Risk.RiskAssessment next = await risk.AssessLoadAsync(signals, telemetry: null, "auto", [], CancellationToken.None);
        CrafyCaptcha.Server.Risk.RiskAssessment elsewhere = await risk.AssessLoadAsync(signals with { RemoteAddress = IPAddress.Parse("198.51.100.99") }, telemetry: null, "auto", [], CancellationToken.None);

        Assert.Contains(CrafyCaptcha.Server.Risk.RiskReasons.Webdriver, next.Reasons);
        Assert.Single(next.Reasons, CrafyCaptcha.Server.Risk.RiskReasons.TurnstileUnavailable);
        Assert.DoesNotContain(CrafyCaptcha.Server.Risk.RiskReasons.Webdriver, elsewhere.Reasons);
        Assert.True(next.Score > elsewhere.Score, $"{next.Score} vs {elsewhere.Score}");
    }

    [Fact]
    public async Task A_scripted_client_from_one_address_is_stopped_within_fifteen_comments()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Comments");
        var passes = new List<Pass>();
        for (int i = 0; i < 40; i++)
        {
            passes.Add(await ScriptedCommentAsync(app, page, i));
        }

        int accepted = passes.Count(p => p.Accepted);
        int firstWork = passes[0].MaxNumber;
        string trace = string.Join(" ", passes.Select(p => p.Refused ? "R" : p.Interactive ? "I" : p.Accepted ? $"A{p.MaxNumber}" : $"x{p.MaxNumber}"));
        output.WriteLine($"{accepted} of 40 accepted; passes: {trace}");
        Assert.True(accepted <= 15, $"{accepted} of 40 scripted comments were accepted: {trace}");
        Assert.True(firstWork > 0, trace);
        foreach (Pass late in passes.TakeLast(10))
        {
            Assert.True(late.Refused || late.Interactive || late.MaxNumber >= 10 * firstWork, $"a late pass was neither refused, interactive nor ten times the work: {trace}");
        }

        // The bare "ticked" flag of the old checkbox step buys nothing on the interactive rungs.
        Assert.DoesNotContain(passes, p => p.Interactive && p.Accepted);
    }

    [Fact]
    public async Task A_bare_checkbox_flag_or_a_forged_trail_never_gets_a_token()
    {
        using var app = new EngineApp(settings: new Dictionary<string, string?> { ["CrafyChallengeServer:Risk:IpFreeLoads"] = "10000", ["CrafyChallengeServer:Risk:IpLoadsRefused"] = "20000" });
        PageInit page = await app.OpenPageAsync("/Register");
        JsonObject[] forgeries =
        [
            new() { ["kind"] = "pointer", ["events"] = new JsonArray() },
            new() { ["kind"] = "pointer", ["events"] = new JsonArray(new JsonArray(1, 500, 10, 10), new JsonArray(2, 590, 10, 10)) }, // no movement
            new() { ["kind"] = "pointer", ["events"] = Line(constantIntervals: true) },
            new() { ["kind"] = "keyboard", ["events"] = new JsonArray(new JsonArray(3, 30, 0, 0), new JsonArray(4, 100, 0, 0)) }, // sooner than a person reads
            new() { ["kind"] = "keyboard", ["events"] = new JsonArray(new JsonArray(3, 900, 0, 0), new JsonArray(4, 900.5, 0, 0)) }, // no press at all
            new() { ["kind"] = "robot", ["events"] = new JsonArray(new JsonArray(3, 900, 0, 0)) },
        ];
        int tokens = 0, tries = 0;
        for (int i = 0; i < 60; i++)
        {
            string eo = await app.GetEoAsync(page, "register");
            HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, eo, extraHeaders: BrowserHeaders);
            Assert.Equal(HttpStatusCode.OK, load.StatusCode);
            string html = await load.Content.ReadAsStringAsync();
            ChallengePage challenge = EngineApp.ReadChallenge(html);
            Assert.Contains("data-puzzle=", html, StringComparison.Ordinal); // the register form's puzzle rung
            JsonObject? forged = i % 7 == 0 ? null : (JsonObject)forgeries[i % forgeries.Length].DeepClone();
            HttpResponseMessage answer = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow), forged, bareCheckbox: true);
            tries++;
            if (answer.StatusCode == HttpStatusCode.OK)
            {
                tokens++;
            }
            else
            {
                Assert.Equal("interaction_required", (string)(await answer.Content.ReadFromJsonAsync<JsonObject>())!["error"]!);
            }
        }

        Assert.Equal(60, tries);
        Assert.Equal(0, tokens);
    }

    [Fact]
    public async Task Forged_trails_are_counted_and_refused_a_key_press_without_focus_and_a_curve_longer_than_the_servers_clock()
    {
        // Every login flow on the checkbox rung (its threshold at 0, the puzzles' out of reach), one address, no velocity in the way.
        using var app = new EngineApp(settings: new Dictionary<string, string?>
        {
            ["CrafyChallengeServer:Risk:CheckboxThreshold"] = "0",
            ["CrafyChallengeServer:Risk:SliderThreshold"] = "0.99",
            ["CrafyChallengeServer:Risk:ConnectThreshold"] = "1",
            ["CrafyChallengeServer:Risk:IpFreeLoads"] = "10000",
            ["CrafyChallengeServer:Risk:IpLoadsRefused"] = "20000",
        });
        PageInit page = await app.OpenPageAsync("/Account/Login");
        async Task<HttpStatusCode> AnswerAsync(JsonObject trail, bool waitOutTrail, bool paysSurcharge = false)
        {
            string eo = await app.GetEoAsync(page, "login");
            HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, eo, extraHeaders: BrowserHeaders);
            ChallengePage challenge = EngineApp.ReadChallenge(await load.Content.ReadAsStringAsync());
            Assert.True(challenge.NeedsCheckbox);
            if (!waitOutTrail)
            {
                await Task.Delay(120); // the script answers at once, whatever its trail claims
            }

            return (await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow), trail, wait: waitOutTrail, surcharge: paysSurcharge ? challenge.Surcharge : null)).StatusCode;
        }

        // The two-event keyboard trail that passed every checkbox: a plausible press, but the box never got the focus.
        var twoEventKeyboard = new JsonObject { ["kind"] = "keyboard", ["events"] = new JsonArray(new JsonArray(3, 300.2, 0, 0), new JsonArray(4, 401.7, 0, 0)) };

        // A synthetic eased curve to the box (uneven steps, human jitter) whose 2.6 s do not fit the server's clock.
        var easedCurve = new JsonArray();
        var random = new Random(7);
        for (int i = 0; i <= 30; i++)
        {
            double p = i / 30.0, eased = p * p * (3 - (2 * p));
            easedCurve.Add(new JsonArray(0, Math.Round(600 + (p * 1800) + random.NextDouble() * 9, 1), Math.Round(12 + (eased * 140) + random.NextDouble(), 1), Math.Round(80 - (eased * 44) + random.NextDouble(), 1)));
        }

        easedCurve.Add(new JsonArray(1, 2520.4, 152.3, 36.2));
        easedCurve.Add(new JsonArray(2, 2611.9, 152.3, 36.2));
        var curve = new JsonObject { ["kind"] = "pointer", ["events"] = easedCurve };

        int refused = 0;
        for (int i = 0; i < 10; i++)
        {
            refused += await AnswerAsync((JsonObject)twoEventKeyboard.DeepClone(), waitOutTrail: true) == HttpStatusCode.OK ? 0 : 1;
            refused += await AnswerAsync((JsonObject)curve.DeepClone(), waitOutTrail: false) == HttpStatusCode.OK ? 0 : 1;
        }

        output.WriteLine($"{refused} of 20 forged trails refused");
        Assert.Equal(20, refused);

        // The same curve, posted after the time it claims, and a keyboard pass with its focus (and the keyboard's extra
        // proof-of-work) are a person's: accepted.
        Assert.Equal(HttpStatusCode.OK, await AnswerAsync((JsonObject)curve.DeepClone(), waitOutTrail: true));
        Assert.Equal(HttpStatusCode.OK, await AnswerAsync(EngineApp.KeyboardTrail(), waitOutTrail: true, paysSurcharge: true));
    }

    [Fact]
    public async Task One_eo_posted_300_times_serves_at_most_ten_pages_and_new_flows_keep_coming()
    {
        using var app = new EngineApp(settings: new Dictionary<string, string?> { ["CrafyCaptcha:MaxOutstandingFlows"] = "200" });
        PageInit page = await app.OpenPageAsync("/Comments");
        string eo = await app.GetEoAsync(page, "comments");
        int pages = 0;
        for (int i = 0; i < 300; i++)
        {
            HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, eo, extraHeaders: BrowserHeaders);
            Assert.True((int)load.StatusCode < 500, $"load {i + 1}: HTTP {(int)load.StatusCode}");
            if (load.StatusCode == HttpStatusCode.OK)
            {
                pages++;
            }
            else
            {
                string refusal = await load.Content.ReadAsStringAsync();
                Assert.True(refusal.Contains("loaded too many times", StringComparison.Ordinal) || refusal.Contains("Too many challenges from this address", StringComparison.Ordinal), refusal);
            }
        }

        Assert.InRange(pages, 1, 10);
        for (int i = 0; i < 20; i++)
        {
            HttpResponseMessage options = await app.Client.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy = "comments", __RequestVerificationToken = page.Antiforgery });
            Assert.Equal(HttpStatusCode.OK, options.StatusCode);
        }
    }

    [Fact]
    public async Task Thousands_of_hostile_requests_get_no_5xx_and_the_client_is_served_afterwards()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Comments");
        string eo = await app.GetEoAsync(page, "comments");
        var random = new Random(8);
        string Junk(int length) => new([.. Enumerable.Range(0, length).Select(_ => (char)random.Next(1, 0x3000))]);
        int requests = 0;
        for (int i = 0; i < 2000; i++)
        {
            HttpResponseMessage response = (i % 6) switch
            {
                0 => await app.Client.PostAsync("/crafy/challenge/", new FormUrlEncodedContent(new Dictionary<string, string> { ["pt"] = Junk(20), ["cdweo"] = Junk(200), ["parent_origin"] = i % 12 == 0 ? "http://bücher.de" : Junk(30) })),
                1 => await app.LoadChallengeAsync(page.PublicToken, i % 4 == 1 ? ";v2_;" + Junk(80) : eo[..^4] + "AAAA", extraHeaders: BrowserHeaders),
                2 => await app.Client.PostAsync("/crafy/challenge/verify", new StringContent(i % 4 == 2 ? "{\"flow_token\":\"" + Guid.NewGuid() + "\",\"pow\":{\"algorithm\":\"SHA-256\",\"challenge\":\"00\",\"number\":-5,\"salt\":\"x?pk=\",\"signature\":\"zz\"},\"interaction\":[1,2]}" : Junk(300), System.Text.Encoding.UTF8, "application/json")),
                3 => await app.Client.PostAsync("/crafy-options", new StringContent(i % 4 == 3 ? "{\"action\":\"get_options\",\"policy\":" + Junk(10).Length + "}" : Junk(100), System.Text.Encoding.UTF8, "application/json")),
                4 => await app.Client.PostAsync("/crafy/api/?action=authenticate", new StringContent(Junk(60), System.Text.Encoding.UTF8, "application/json")),
                _ => await app.Client.GetAsync("/crafy/api/turnstile_site_key.php?pk=" + Uri.EscapeDataString(Junk(12))),
            };
            requests++;
            int status = (int)response.StatusCode;
            Assert.True(status < 500, $"request {i} ({i % 6}) answered {status}: {await response.Content.ReadAsStringAsync()}");
        }

        // The same client, with the cookies it was given, still gets a flow, a challenge and a token.
        string fresh = await app.GetEoAsync(page, "comments");
        HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, fresh, extraHeaders: BrowserHeaders);
        Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        ChallengePage challenge = EngineApp.ReadChallenge(await load.Content.ReadAsStringAsync());
        HttpResponseMessage answer = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow), challenge.NeedsCheckbox ? EngineApp.PointerTrail(3) : null);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(2000, requests);
    }

    [Fact]
    public async Task Past_its_per_minute_budget_an_address_gets_429_with_retry_after_and_its_network_neighbours_do_not()
    {
        using var app = new EngineApp(
            services: s => s.AddSingleton<IStartupFilter>(new ClientAddressFromHeader()),
            settings: new Dictionary<string, string?> { ["CrafyChallengeServer:Risk:ChallengeLoadsPerMinute"] = "10" });
        PageInit page = await app.OpenPageAsync("/Comments");
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 12; i++)
        {
            HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "comments"), extraHeaders: [("X-Test-Client", "192.0.2.10"), .. BrowserHeaders]);
            statuses.Add(load.StatusCode);
            if (load.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("60", load.Headers.RetryAfter?.ToString());
            }
        }

        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.TooManyRequests));

        // A neighbour on the same /24 still has its own budget (the network's is five times wider).
        HttpResponseMessage neighbour = await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "comments"), extraHeaders: [("X-Test-Client", "192.0.2.11"), .. BrowserHeaders]);
        Assert.Equal(HttpStatusCode.OK, neighbour.StatusCode);
    }

    [Fact]
    public async Task An_answer_sooner_than_a_browser_can_run_the_page_is_refused()
    {
        // The engine's clock stands still: the answer arrives "at once", whatever this busy machine's real timing.
        using var app = new EngineApp(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow));
        PageInit page = await app.OpenPageAsync("/Comments");
        HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "comments"), extraHeaders: BrowserHeaders);
        ChallengePage challenge = EngineApp.ReadChallenge(await load.Content.ReadAsStringAsync());

        HttpResponseMessage answer = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow), wait: false);

        Assert.Equal("pow_too_fast", (string)(await answer.Content.ReadFromJsonAsync<JsonObject>())!["error"]!);
    }

    [Fact]
    public async Task The_reasons_are_named_in_the_token_and_a_denied_network_is_refused()
    {
        string lists = Directory.CreateTempSubdirectory("crafy-lists-").FullName;
        string datacenter = Path.Combine(lists, "datacenter.txt"), deny = Path.Combine(lists, "deny.txt");
        await File.WriteAllTextAsync(datacenter, "# a datacenter\n203.0.113.0/24\nnot a network\n");
        await File.WriteAllTextAsync(deny, "198.51.100.7\n");
        using var app = new EngineApp(
            services: s => s.AddSingleton<IStartupFilter>(new ClientAddressFromHeader()),
            settings: new Dictionary<string, string?>
            {
                ["CrafyChallengeServer:Risk:DatacenterListPath"] = datacenter,
                ["CrafyChallengeServer:Risk:DenyListPath"] = deny,
            });
        PageInit page = await app.OpenPageAsync("/Comments");

        HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "comments"), webdriver: true, extraHeaders: [("X-Test-Client", "203.0.113.9"), .. BrowserHeaders]);
        ChallengePage challenge = EngineApp.ReadChallenge(await load.Content.ReadAsStringAsync());
        HttpResponseMessage answer = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow), challenge.NeedsCheckbox ? EngineApp.PointerTrail() : null);
        JsonObject payload = JsonNode.Parse((string)(await answer.Content.ReadFromJsonAsync<JsonObject>())!["payload"]!)!.AsObject();
        string[] reasons = [.. payload["risk_reasons"]!.AsArray().Select(r => (string)r!)];
        Assert.Contains("datacenter", reasons);
        Assert.Contains("webdriver", reasons);
        Assert.True((double)payload["risk_score"]! >= 0.6, payload.ToJsonString());

        HttpResponseMessage denied = await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "comments"), extraHeaders: [("X-Test-Client", "198.51.100.7"), .. BrowserHeaders]);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        // The list is reloaded when its file changes.
        await File.WriteAllTextAsync(deny, "# nobody\n");
        HttpResponseMessage after = null!;
        for (int i = 0; i < 40; i++)
        {
            await Task.Delay(250);
            after = await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "comments"), extraHeaders: [("X-Test-Client", "198.51.100.7"), .. BrowserHeaders]);
            if (after.StatusCode == HttpStatusCode.OK)
            {
                break;
            }
        }

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Directory.Delete(lists, recursive: true);
    }

    [Theory]
    [InlineData("CrafyChallengeServer:Risk:Weights:velocity_ip", "2", "CrafyChallengeServer:Risk:Weights:velocity_ip must be between 0 and 1")]
    [InlineData("CrafyChallengeServer:Risk:Weights:vibes", "0.5", "CrafyChallengeServer:Risk:Weights:vibes is not a risk reason")]
    [InlineData("CrafyChallengeServer:Risk:SliderThreshold", "0.1", "CheckboxThreshold ≤ SliderThreshold ≤ ConnectThreshold")]
    [InlineData("CrafyChallengeServer:Risk:IpLoadsRefused", "3", "IpLoadsRefused must be greater than IpFreeLoads")]
    public void Bad_risk_settings_stop_the_app_at_start_up_naming_the_key(string key, string value, string message)
    {
        Exception error = Assert.ThrowsAny<Exception>(() => new EngineApp(settings: new Dictionary<string, string?> { [key] = value }).Dispose());
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    private static JsonArray Line(bool constantIntervals)
    {
        var events = new JsonArray();
        for (int i = 0; i < 10; i++)
        {
            events.Add(new JsonArray(0, 400 + (i * (constantIntervals ? 16 : 10 + (i % 3))), 10 + (i * 8), 20 + (i * 2)));
        }

        events.Add(new JsonArray(1, 700, 90, 38));
        events.Add(new JsonArray(2, 790, 90, 38));
        return events;
    }

    private static async Task<Pass> ScriptedCommentAsync(EngineApp app, PageInit page, int seed)
    {
        HttpResponseMessage options = await app.Client.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy = "comments", __RequestVerificationToken = page.Antiforgery });
        if (!options.IsSuccessStatusCode)
        {
            return new Pass(true, false, 0, false);
        }

        string eo = (string)(await options.Content.ReadFromJsonAsync<JsonObject>())!["eo"]!;
        HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, eo, extraHeaders: BrowserHeaders);
        if (!load.IsSuccessStatusCode)
        {
            return new Pass(true, false, 0, false);
        }

        ChallengePage challenge = EngineApp.ReadChallenge(await load.Content.ReadAsStringAsync());
        int maxNumber = (int)challenge.Pow["maxnumber"]!;
        HttpResponseMessage answer = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow), bareCheckbox: challenge.NeedsCheckbox);
        if (!answer.IsSuccessStatusCode)
        {
            return new Pass(false, challenge.NeedsCheckbox, maxNumber, false);
        }

        string token = EngineApp.TokenFrom((await answer.Content.ReadFromJsonAsync<JsonObject>())!);
        HttpResponseMessage comment = await app.Client.PostAsync("/comments", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["author"] = "bot",
            ["text"] = "buy now " + seed,
            ["CrafyCAPTCHA_token"] = token,
            ["__RequestVerificationToken"] = page.Antiforgery,
        }));
        return new Pass(false, challenge.NeedsCheckbox, maxNumber, comment.StatusCode == HttpStatusCode.Redirect);
    }

    /// <summary>Plays a reverse proxy for the test: the client address comes from <c>X-Test-Client</c>.</summary>
    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers["X-Test-Client"].ToString(), out IPAddress? address))
                {
                    context.Connection.RemoteIpAddress = address;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
