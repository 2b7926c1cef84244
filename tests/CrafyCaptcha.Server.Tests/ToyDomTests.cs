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
}
