extern alias engine;

using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using engine::CrafyCaptcha.Server.Puzzles;

namespace CrafyCaptcha.Benchmarks;

/// <summary>
/// The puzzles: rendering one image (SkiaSharp, WebP), and judging an answer. The image sizes (bytes) are printed
/// by the setup over 200 fresh puzzles of each kind.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class PuzzleBenchmarks
{
    private PuzzleSpec _slider = null!;
    private PuzzleSpec _connect = null!;
    private JsonElement _sliderAnswer;
    private JsonElement _connectAnswer;

    private sealed class InProcessConfig : BenchmarkDotNet.Configs.ManualConfig
    {
        public InProcessConfig() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }

    [GlobalSetup]
    public void Setup()
    {
        _slider = PuzzleSpec.NewSlider();
        _connect = PuzzleSpec.NewConnect();
        int[] g = _slider.Geometry;
        _sliderAnswer = JsonSerializer.SerializeToElement(new { points = new[] { new[] { g[0] + 20.0, g[1] + 20.0 }, new[] { g[2] + 21.0, g[3] + 19.0 } } });
        _connectAnswer = JsonSerializer.SerializeToElement(new
        {
            points = _connect.Prompt.Select(name => Array.IndexOf(PuzzleSpec.Symbols, name)).Select(i => new[] { _connect.Geometry[2 * i] + 3.0, _connect.Geometry[(2 * i) + 1] - 2.0 }).ToArray(),
        });
        foreach ((string kind, Func<PuzzleSpec> make) in new (string, Func<PuzzleSpec>)[] { ("slider", PuzzleSpec.NewSlider), ("connect", PuzzleSpec.NewConnect) })
        {
            int[] sizes = [.. Enumerable.Range(0, 200).Select(_ => PuzzleRenderer.Render(make()).Length)];
            Console.WriteLine($"// {kind} image bytes over 200 puzzles: mean {sizes.Average():F0}, min {sizes.Min()}, max {sizes.Max()}");
        }
    }

    [Benchmark]
    public byte[] RenderSlider() => PuzzleRenderer.Render(_slider);

    [Benchmark]
    public byte[] RenderConnect() => PuzzleRenderer.Render(_connect);

    [Benchmark]
    public bool CheckSliderAnswer() => _slider.Accepts(_sliderAnswer);

    [Benchmark]
    public bool CheckConnectAnswer() => _connect.Accepts(_connectAnswer);

    [Benchmark]
    public int GenerateConnect() => PuzzleSpec.NewConnect().Geometry.Length;
}
