using System.Text.Json;
using CrafyCaptcha.Server.Puzzles;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The old template-matching eyes (<see cref="TemplateMatchingEyes"/>, which answered every puzzle before issue 23)
/// against 200 new puzzles of each kind: they must answer at most 10 % right. An answer they cannot give (an image they
/// cannot parse) counts as wrong, and is counted apart, as is where they went wrong, so the rate is not bought by
/// crashes alone. The old eyes search by brute force (~1.3 s of a core per slider): the 400 puzzles run on every core,
/// in the browser tests' collection so that they never starve a browser test's page loads.
/// </summary>
[Collection("Browser")]
public sealed class TemplateMatchingEyesTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Puzzles = 200;

    private static JsonElement Answer(params (double X, double Y)[] points)
        => JsonSerializer.SerializeToElement(new { points = points.Select(p => new[] { p.X, p.Y }) });

    [Fact]
    public void The_old_eyes_answer_at_most_one_slider_in_ten()
    {
        // Besides the verdict, where they went wrong: the pick (the piece where it rests) or the drop (its gap).
        int picks = 0, drops = 0;
        (int right, int lost) = Count(PuzzleSpec.NewSlider, (spec, image) =>
        {
            ((double X, double Y) pick, (double X, double Y) drop) = TemplateMatchingEyes.SolveSlider(image);
            int[] g = spec.Geometry;
            Interlocked.Add(ref picks, Math.Sqrt(Math.Pow(pick.X - g[0] - 20, 2) + Math.Pow(pick.Y - g[1] - 20, 2)) <= PuzzleSpec.PickTolerance ? 1 : 0);
            Interlocked.Add(ref drops, Math.Sqrt(Math.Pow(drop.X - g[2] - 20, 2) + Math.Pow(drop.Y - g[3] - 20, 2)) <= PuzzleSpec.DropTolerance ? 1 : 0);
            return Answer(pick, drop);
        });
        output.WriteLine($"template matching, new sliders: {right} of {Puzzles} right ({100.0 * right / Puzzles:F1} %), {lost} unreadable; the piece found {picks} times, its gap {drops} times");
        Assert.True(right <= Puzzles / 10, $"{right} of {Puzzles} sliders answered right");
    }

    [Fact]
    public void The_old_eyes_answer_at_most_one_connect_puzzle_in_ten()
    {
        int misread = 0;
        (int right, int lost) = Count(PuzzleSpec.NewConnect, (spec, image) =>
        {
            Dictionary<string, (double X, double Y)> symbols = TemplateMatchingEyes.FindSymbols(image);
            if (!spec.Prompt.All(symbols.ContainsKey))
            {
                Interlocked.Increment(ref misread); // a named symbol read as something else: a wrong answer
                return Answer([.. Enumerable.Repeat((0.0, 0.0), PuzzleSpec.Links)]);
            }

            return Answer([.. spec.Prompt.Select(name => symbols[name])]);
        });
        output.WriteLine($"template matching, new connect puzzles: {right} of {Puzzles} right ({100.0 * right / Puzzles:F1} %), {misread} with a named symbol not among those read, {lost} unreadable");
        Assert.True(right <= Puzzles / 10, $"{right} of {Puzzles} connect puzzles answered right");
    }

    private static (int Right, int Lost) Count(Func<PuzzleSpec> make, Func<PuzzleSpec, byte[], JsonElement> answer)
    {
        int right = 0, lost = 0;
        Parallel.For(0, Puzzles, _ =>
        {
            PuzzleSpec spec = make();
            try
            {
                Interlocked.Add(ref right, spec.Accepts(answer(spec, PuzzleRenderer.Render(spec))) ? 1 : 0);
            }
            catch (Exception e) when (e is InvalidOperationException or Xunit.Sdk.XunitException)
            {
                Interlocked.Increment(ref lost); // no answer at all: an image they cannot parse
            }
        });
        return (right, lost);
    }
}
