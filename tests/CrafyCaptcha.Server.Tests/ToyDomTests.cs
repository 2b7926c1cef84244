using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.Server.Instrumentation;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// Issue 22, item 1, from the attacker's side: the engine's programs run in the strongest toy DOMs a script writer gets
/// (jsdom from npm; jsdom with a hand-written box model) and never give what the engine expects, while their DOM work
/// (trees, event dispatch, a mutation observer) does: what fails them is layout, which only a browser engine computes.
/// </summary>
public sealed class ToyDomTests
{
    [Fact]
    public async Task Programs_run_in_jsdom_or_a_box_model_shim_never_match_though_their_DOM_work_does()
    {
        const int Programs = 1000;
        await using ToyDom dom = await ToyDom.StartAsync();
        int shimValuesRight = 0, jsdomValuesRight = 0, jsdomAnswered = 0;
        for (int i = 0; i < Programs; i++)
        {
            GeneratedProgram program = ProgramGenerator.Generate();
            foreach (string mode in new[] { "jsdom", "shim" })
            {
                JsonObject result = await dom.RunAsync(mode, program.Script);
                using JsonDocument doc = JsonDocument.Parse(result.ToJsonString());
                Assert.False(ProgramCheck.Matches(program.Expected, doc.RootElement, new List<string>()), $"{mode} passed program {i}: {result.ToJsonString()}");
                bool valuesRight = result["v"] is JsonArray v && v.Select(n => (uint)n!).SequenceEqual(program.Expected.Values);
                if (mode == "shim")
                {
                    Assert.True(valuesRight, $"the shim's DOM work went wrong on program {i}: {result.ToJsonString()} expected v=[{string.Join(',', program.Expected.Values)}]\n{program.Script}");
                    shimValuesRight++;
                }
                else if (result["v"] is not null)
                {
                    jsdomAnswered++;
                    jsdomValuesRight += valuesRight ? 1 : 0;
                }
            }
        }

        Assert.Equal(Programs, shimValuesRight);
        Assert.Equal(jsdomAnswered, jsdomValuesRight);
    }

    private static readonly Dictionary<string, string?> NoOtherLimits = InstrumentationTests.NoOtherLimits;
    private static readonly (string, string)[] BrowserHeaders = InstrumentationTests.BrowserHeaders;

    /// <summary>
    /// The attack of issue 22 from outside: a plain-HTTP client loads each challenge, fetches its program, runs it in a
    /// toy DOM and answers with the proof-of-work solved natively and the toy DOM's result: 1,000 passes with jsdom and
    /// 1,000 with the box-model shim get no token, every refusal <c>program_invalid</c>.
    /// </summary>
    [Theory]
    [InlineData("jsdom")]
    [InlineData("shim")]
    public async Task A_script_that_runs_each_flows_program_in_a_toy_DOM_gets_no_token(string mode)
    {
        const int Passes = 1000;
        await using ToyDom dom = await ToyDom.StartAsync();
        using var app = new EngineApp(settings: NoOtherLimits, instrumentation: true,
            services: s => Microsoft.Extensions.DependencyInjection.OptionsServiceCollectionExtensions.Configure<CrafyCaptcha.AspNetCore.CrafyCaptchaHttpOptions>(s, o => o.OptionsEndpointPermitsPerMinute = 1_000_000));
        PageInit page = await app.OpenPageAsync("/Comments");
        var errors = new ConcurrentDictionary<string, int>();
        int tokens = 0, next = -1;

        async Task Worker()
        {
            string? eo = null;
            int loadsOfEo = 0;
            while (Interlocked.Increment(ref next) < Passes)
            {
                if (eo is null || loadsOfEo == Flows.FlowService.MaxLoadsPerEo)
                {
                    eo = await app.GetEoAsync(page, "comments");
                    loadsOfEo = 0;
                }

                loadsOfEo++;
                using HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, eo, extraHeaders: BrowserHeaders);
                ChallengePage challenge = EngineApp.ReadChallenge(await load.Content.ReadAsStringAsync());
                string script = challenge.Program;
                JsonObject result = await dom.RunAsync(mode, script);
                using HttpResponseMessage answer = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow), wait: false, program: result);
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

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(Worker)));
        Assert.Equal(0, tokens);
        Assert.Equal(Passes, Assert.Single(errors, e => e.Key == "program_invalid").Value);
    }
}
