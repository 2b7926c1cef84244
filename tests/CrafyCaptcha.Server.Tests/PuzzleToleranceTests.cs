using System.Text.Json;
using CrafyCaptcha.Server.Puzzles;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The puzzles' tolerances against a model of people's hands (the model, its constants and sources are by
/// <see cref="PuzzleSpec.DropTolerance"/>): simulated first tries, seeded, on fresh puzzles, judged by the engine's own
/// check. A mouse on the 300 px picture must pass ≥ 95 %, a thumb on the picture as a 320 px phone shows it (262 px)
/// ≥ 90 %. Also prints what that costs: the chance that a random answer passes.
/// </summary>
public sealed class PuzzleToleranceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Tries = 5000;
    private const double MouseScale = 1.0, PhoneScale = 262.0 / 300, PxPerMm = 6.4, FirstMove = 100;

    private sealed record Hand(string Name, double Scale, double AbsoluteX, double AbsoluteY);

    private static readonly Hand Mouse = new("mouse", MouseScale, 1, 1);
    private static readonly Hand Thumb = new("touch", PhoneScale, Math.Sqrt(1.6834) * PxPerMm, Math.Sqrt(1.3292) * PxPerMm);

    /// <summary>Where a hand lands aiming at <paramref name="aim"/> (image pixels) after a move of <paramref name="distance"/> image pixels.</summary>
    private static (double X, double Y) Land(Random random, Hand hand, (double X, double Y) aim, double distance)
    {
        double relative = distance * hand.Scale / (4.133 * (Math.Pow(2, 4) - 1));
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return (aim.X + (Normal() * Math.Sqrt((hand.AbsoluteX * hand.AbsoluteX) + (relative * relative)) / hand.Scale),
            aim.Y + (Normal() * Math.Sqrt((hand.AbsoluteY * hand.AbsoluteY) + (relative * relative)) / hand.Scale));
    }

    private static double Rate(Hand hand, Func<PuzzleSpec> make, int seed)
    {
        var random = new Random(seed);
        int passed = 0;
        for (int i = 0; i < Tries; i++)
        {
            PuzzleSpec spec = make();
            int[] g = spec.Geometry;
            (double X, double Y)[] aims = spec.Kind == PuzzleSpec.Slider
                ? [(g[0] + 20.0, g[1] + 20.0), (g[2] + 20.0, g[3] + 20.0)]
                : [.. spec.Prompt.Select(name => Array.IndexOf(PuzzleSpec.Symbols, name)).Select(s => ((double)g[2 * s], (double)g[(2 * s) + 1]))];
            var points = new List<double[]>();
            for (int p = 0; p < aims.Length; p++)
            {
                double distance = p == 0 ? FirstMove / hand.Scale : Math.Sqrt(Math.Pow(aims[p].X - aims[p - 1].X, 2) + Math.Pow(aims[p].Y - aims[p - 1].Y, 2));
                (double x, double y) = Land(random, hand, aims[p], distance);
                points.Add([x, y]);
            }

            passed += spec.Accepts(JsonSerializer.SerializeToElement(new { points })) ? 1 : 0;
        }

        return passed / (double)Tries;
    }

    [Fact]
    public void First_tries_by_mouse_pass_at_least_95_percent_and_by_thumb_on_a_320_px_phone_at_least_90_percent()
    {
        double sliderMouse = Rate(Mouse, PuzzleSpec.NewSlider, 1), sliderTouch = Rate(Thumb, PuzzleSpec.NewSlider, 2);
        double connectMouse = Rate(Mouse, PuzzleSpec.NewConnect, 3), connectTouch = Rate(Thumb, PuzzleSpec.NewConnect, 4);

        // The price: a uniformly random answer's chance (the centres' ranges: the slider's 239 × 99 px, the connect's 262 × 122 px).
        double sliderGuess = Math.PI * PuzzleSpec.PickTolerance * PuzzleSpec.PickTolerance / (239.0 * 99) * (Math.PI * PuzzleSpec.DropTolerance * PuzzleSpec.DropTolerance / (239.0 * 99));
        double connectGuess = Math.Pow(Math.PI * PuzzleSpec.LinkTolerance * PuzzleSpec.LinkTolerance / (262.0 * 122), PuzzleSpec.Links);
        output.WriteLine($"tolerances: pick {PuzzleSpec.PickTolerance} px, drop {PuzzleSpec.DropTolerance} px, link {PuzzleSpec.LinkTolerance} px");
        output.WriteLine($"slider first tries: mouse {sliderMouse:P1}, touch {sliderTouch:P1}; a random answer passes with {sliderGuess:E1}");
        output.WriteLine($"connect first tries: mouse {connectMouse:P1}, touch {connectTouch:P1}; a random answer passes with {connectGuess:E1}");
        Assert.True(sliderMouse >= 0.95, $"slider, mouse: {sliderMouse:P1}");
        Assert.True(connectMouse >= 0.95, $"connect, mouse: {connectMouse:P1}");
        Assert.True(sliderTouch >= 0.90, $"slider, touch: {sliderTouch:P1}");
        Assert.True(connectTouch >= 0.90, $"connect, touch: {connectTouch:P1}");
    }
}
