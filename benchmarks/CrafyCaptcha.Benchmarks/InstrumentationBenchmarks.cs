extern alias engine;

using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using engine::CrafyCaptcha.Server.Instrumentation;
using engine::CrafyCaptcha.Server.Rendering;

namespace CrafyCaptcha.Benchmarks;

/// <summary>The instrumentation program's server-side cost per flow: writing a new program, and checking a result.</summary>
[MemoryDiagnoser]
[InProcess]
[WarmupCount(3)]
[IterationCount(10)]
public class InstrumentationBenchmarks
{
    private ProgramExpectation _expected = null!;
    private string _script = null!;
    private JsonElement _result;

    [GlobalSetup]
    public void Setup()
    {
        (_script, _expected) = ProgramGenerator.Generate();
        var result = new JsonObject
        {
            ["v"] = new JsonArray([.. _expected.Values.Select(v => JsonValue.Create(v))]),
            ["l"] = new JsonArray([.. _expected.Layout.Select(v => JsonValue.Create(v + 0.4))]),
            ["f"] = new JsonObject { ["wd"] = 0, ["ua"] = 0, ["sw"] = 1920, ["sh"] = 1080, ["ow"] = 1280, ["oh"] = 800, ["pl"] = 5, ["mt"] = 2, ["lg"] = 2, ["nt"] = 0 },
            ["c"] = _expected.Canvas, // without it the check stops at its first test (a result without a canvas hash is malformed)
            ["t"] = 100, // the text-scale probe: no text-only zoom
        };
        _result = JsonDocument.Parse(result.ToJsonString()).RootElement;
        if (!Check())
        {
            throw new InvalidOperationException("the benchmark's result does not match its program: the check would measure an early refusal");
        }
    }

    [Benchmark(Description = "Generate a flow's program (script and expected result)")]
    public object Generate() => ProgramGenerator.Generate();

    [Benchmark(Description = "Gzip a flow's program inline (its share of the challenge page, the fastest level)")]
    public byte[] GzipInline() => GzipPage.Gzipped([GzipPage.Piece.Own(_script)]);

    [Benchmark(Description = "Check a program result and judge its browser facts")]
    public bool Check() => ProgramCheck.Matches(_expected, _result, new List<string>(2));
}
