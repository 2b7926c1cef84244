using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using CrafyCaptcha.Server.Instrumentation;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// Issue 13 from outside, as a script would attack it: the script reads the challenge page, solves the proof-of-work
/// natively and answers, with no program result, or with one it made up after fetching the program — no token, on
/// every policy. (The browser side, replays and faked layout: <see cref="InstrumentationBrowserTests"/>.)
/// </summary>
public sealed class InstrumentationTests
{
    /// <summary>Budgets and ladders out of the way: every refusal must come from the program check.</summary>
    internal static readonly Dictionary<string, string?> NoOtherLimits = new()
    {
        ["CrafyChallengeServer:Risk:IpFreeLoads"] = "1000000",
        ["CrafyChallengeServer:Risk:IpLoadsRefused"] = "2000000",
        ["CrafyChallengeServer:Risk:NetworkFreeLoads"] = "1000000",
        ["CrafyChallengeServer:Risk:FreeFailures"] = "1000000",
        ["CrafyChallengeServer:Risk:ChallengeLoadsPerMinute"] = "1000000",
        ["CrafyChallengeServer:Risk:AnswersPerMinute"] = "1000000",
        ["CrafyChallengeServer:Risk:MinimumSolveTime"] = "00:00:00",
    };

    private static void ManyOptions(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
        => Microsoft.Extensions.DependencyInjection.OptionsServiceCollectionExtensions.Configure<CrafyCaptcha.AspNetCore.CrafyCaptchaHttpOptions>(services, o => o.OptionsEndpointPermitsPerMinute = 1_000_000);

    /// <summary>The headers a browser's iframe navigation sends (shared by the tests that load challenges from outside).</summary>
    internal static readonly (string, string)[] BrowserHeaders =
    [
        ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"),
        ("Accept-Language", "en-US,en;q=0.9"),
        ("Sec-Fetch-Dest", "iframe"),
        ("Sec-Fetch-Mode", "navigate"),
    ];

    [Fact]
    public async Task A_script_that_solves_the_proof_of_work_but_runs_no_program_gets_no_token_on_any_policy()
    {
        const int Attempts = 2000;
        using var app = new EngineApp(settings: NoOtherLimits, instrumentation: true, services: ManyOptions);
        PageInit page = await app.OpenPageAsync("/Comments");
        string[] policies = ["comments", "login", "register"]; // hidden (invisible), auto (invisible at this risk), puzzle
        var errors = new ConcurrentDictionary<string, int>();
        var steps = new ConcurrentDictionary<(string Policy, bool Interactive), int>();
        int tokens = 0, programsFetched = 0, next = -1, eos = -1;

        async Task Worker()
        {
            string? eo = null;
            string policy = "";
            int loadsOfEo = 0;
            while (Interlocked.Increment(ref next) is var i && i < Attempts)
            {
                if (eo is null || loadsOfEo == FlowServiceLoads)
                {
                    // One eo after another round the three policies (not by i: eight workers interleave their i
                    // unevenly, and one policy could get far fewer loads than a third).
                    policy = policies[Interlocked.Increment(ref eos) % policies.Length];
                    eo = await app.GetEoAsync(page, policy);
                    loadsOfEo = 0;
                }

                loadsOfEo++;
                using HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, eo, extraHeaders: BrowserHeaders);
                string html = await load.Content.ReadAsStringAsync();
                Assert.True(load.StatusCode == HttpStatusCode.OK, $"load {i}: {(int)load.StatusCode} {html}");
                ChallengePage challenge = EngineApp.ReadChallenge(html);
                Assert.Contains("crafy-program", challenge.Program, StringComparison.Ordinal);
                bool interactive = challenge.NeedsCheckbox || html.Contains("data-puzzle=", StringComparison.Ordinal); // the register form's puzzle
                steps.AddOrUpdate((policy, interactive), 1, (_, n) => n + 1);
                JsonNode? program = null;
                switch (i % 4)
                {
                    case 1:
                        // Reads the program from the page and answers with what it can guess without running it:
                        // the right shape, zeros for the chains and the layout, a clean browser.
                        Assert.Contains("Math.imul", challenge.Program, StringComparison.Ordinal);
                        Interlocked.Increment(ref programsFetched);
                        program = Forged(values: [0, 0, 0, 0], layout: new int[10]);
                        break;
                    case 2:
                        program = Forged(values: [1, 2, 3, 4], layout: [200, 180, 40, 10, 60, 200, 180, 40, 10, 60]);
                        break;
                    case 3:
                        program = JsonValue.Create("done");
                        break;
                }

                using HttpResponseMessage answer = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow),
                    interactive ? EngineApp.PointerTrail(i) : null, wait: false, program: program);
                JsonObject body = (await answer.Content.ReadFromJsonAsync<JsonObject>())!;
                if (answer.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref tokens);
                }
                else
                {
                    errors.AddOrUpdate((string)body["error"]!, 1, (_, n) => n + 1);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(Worker)));

        Assert.Equal(0, tokens);
        Assert.Equal(Attempts, Assert.Single(errors, e => e.Key == "program_invalid").Value);
        string Steps() => string.Join(", ", steps.Select(s => $"{s.Key.Policy}/{(s.Key.Interactive ? "interactive" : "invisible")}: {s.Value}"));
        Assert.True(steps.GetValueOrDefault(("comments", false)) > Attempts / 4, Steps()); // hidden: always invisible
        Assert.Equal(0, steps.GetValueOrDefault(("comments", true)));
        Assert.True(steps.GetValueOrDefault(("register", true)) > Attempts / 4, Steps()); // the puzzle policy: always interactive
        Assert.Equal(0, steps.GetValueOrDefault(("register", false)));
        Assert.Equal(Attempts / 4, programsFetched);

        // The same script, against the same sample with the program turned off, gets its token: the refusals above came
        // from the program check, not from a flaw of the script.
        using var without = new EngineApp(settings: NoOtherLimits, services: ManyOptions);
        PageInit plain = await without.OpenPageAsync("/Comments");
        ChallengePage flow = EngineApp.ReadChallenge(await (await without.LoadChallengeAsync(plain.PublicToken, await without.GetEoAsync(plain, "comments"), extraHeaders: BrowserHeaders)).Content.ReadAsStringAsync());
        Assert.Equal("", flow.Program);
        Assert.Equal(HttpStatusCode.OK, (await without.AnswerAsync(flow.FlowToken, flow.Pow, EngineApp.Solve(flow.Pow), wait: false)).StatusCode);
    }

    [Fact]
    public async Task Each_page_carries_its_own_program_allowed_by_a_nonce_of_that_response_only()
    {
        using var app = new EngineApp(instrumentation: true);
        PageInit page = await app.OpenPageAsync("/Comments");
        string eo = await app.GetEoAsync(page, "comments");
        using HttpResponseMessage firstLoad = await app.LoadChallengeAsync(page.PublicToken, eo, extraHeaders: BrowserHeaders);
        using HttpResponseMessage secondLoad = await app.LoadChallengeAsync(page.PublicToken, eo, extraHeaders: BrowserHeaders);
        string firstHtml = await firstLoad.Content.ReadAsStringAsync(), secondHtml = await secondLoad.Content.ReadAsStringAsync();
        ChallengePage first = EngineApp.ReadChallenge(firstHtml), second = EngineApp.ReadChallenge(secondHtml);

        Assert.NotEqual(first.Program, second.Program);
        Assert.DoesNotContain(first.FlowToken, first.Program, StringComparison.Ordinal);
        Assert.Equal("no-store", firstLoad.Headers.CacheControl?.ToString());
        Assert.Contains(" data-program=\"true\"", firstHtml, StringComparison.Ordinal);

        // The program runs under its response's nonce (never under the fixed scripts' hashes), a fresh one per page.
        string Nonce(string html) => Regex.Match(html, "<script nonce=\"([^\"]+)\" id=\"crafy-program\">").Groups[1].Value;
        string firstNonce = Nonce(firstHtml), secondNonce = Nonce(secondHtml);
        Assert.Equal(24, firstNonce.Length);
        Assert.NotEqual(firstNonce, secondNonce);
        string csp = string.Join(' ', firstLoad.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains($"'nonce-{firstNonce}'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain(secondNonce, csp, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(firstHtml, "<script nonce="));
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/crafy/challenge/program/AAAAAAAAAAAAAAAAAAAAAAAA.js")).StatusCode);
    }

    [Fact]
    public void Every_generated_program_is_new()
    {
        var scripts = new HashSet<string>(StringComparer.Ordinal);
        var answers = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 5000; i++)
        {
            GeneratedProgram program = ProgramGenerator.Generate();
            Assert.True(scripts.Add(program.Script));
            Assert.True(answers.Add(string.Join(',', program.Expected.Values)));
            Assert.Equal(4, program.Expected.Values.Length);
            Assert.InRange(program.Expected.Layout.Length, 10, 100); // four layout stages of 2-25 reads each
            Assert.All(program.Expected.Layout, v => Assert.InRange(v, -40, 1000));
        }

        // The engine keeps a program's seed, not its text: the same seed writes the same program, another seed another.
        byte[] seed = System.Security.Cryptography.RandomNumberGenerator.GetBytes(ProgramGenerator.SeedSize);
        GeneratedProgram once = ProgramGenerator.Generate(seed), again = ProgramGenerator.Generate(seed);
        Assert.Equal(once.Script, again.Script);
        Assert.Equal(once.Expected.Values, again.Expected.Values);

        // Every program can sit inline in its page (the renderer refuses a script with an end tag or a comment opener).
        for (int i = 0; i < 500; i++)
        {
            string script = ProgramGenerator.Generate().Script;
            Assert.DoesNotContain("</script", script, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<!--", script, StringComparison.Ordinal);
        }

        seed[0] ^= 1;
        Assert.NotEqual(once.Script, ProgramGenerator.Generate(seed).Script);
    }

    [Fact]
    public void A_program_is_the_same_whatever_the_servers_culture()
    {
        // A culture whose minus sign is U+2212 (as sv-SE's under ICU): JavaScript would read "x=Math.imul(x,−5)" as a
        // syntax error, and every person's program would fail.
        var minus = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
        minus.NumberFormat.NegativeSign = "\u2212";
        System.Globalization.CultureInfo before = System.Globalization.CultureInfo.CurrentCulture;
        byte[][] seeds = [.. Enumerable.Range(0, 200).Select(_ => System.Security.Cryptography.RandomNumberGenerator.GetBytes(ProgramGenerator.SeedSize))];
        string[] invariant = [.. seeds.Select(s => ProgramGenerator.Generate(s).Script)];
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = minus;
            for (int i = 0; i < seeds.Length; i++)
            {
                string script = ProgramGenerator.Generate(seeds[i]).Script;
                Assert.DoesNotContain('\u2212', script);
                Assert.Equal(invariant[i], script);
            }
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = before;
        }

        Assert.Contains(invariant, s => s.Contains(",-", StringComparison.Ordinal)); // negative numbers were written
    }

    /// <summary>How many times one <c>eo</c> loads the challenge (the engine's <c>FlowService.MaxLoadsPerEo</c>).</summary>
    private const int FlowServiceLoads = Flows.FlowService.MaxLoadsPerEo;

    private static JsonObject Forged(uint[] values, int[] layout) => new()
    {
        ["v"] = new JsonArray([.. values.Select(v => JsonValue.Create(v))]),
        ["l"] = new JsonArray([.. layout.Select(v => JsonValue.Create(v))]),
        ["f"] = new JsonObject { ["wd"] = 0, ["ua"] = 0, ["sw"] = 1920, ["sh"] = 1080, ["ow"] = 1280, ["oh"] = 800, ["pl"] = 5, ["mt"] = 2, ["lg"] = 2, ["nt"] = 0 },
    };
}
