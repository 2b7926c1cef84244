using System.Text.Json;
using CrafyCaptcha.Server.Puzzles;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The old template-matching eyes (<see cref="TemplateMatchingEyes"/>, which answered every puzzle before issue 23)
/// against 200 new puzzles of each kind: they must answer at most 10 % right. An answer they cannot give (an image they
/// cannot parse) counts as wrong, and is counted apart so the rate is not bought by crashes alone.
/// </summary>
public sealed class TemplateMatchingEyesTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Puzzles = 200;

    private static JsonElement Answer(params (double X, double Y)[] points)
        => JsonSerializer.SerializeToElement(new { points = points.Select(p => new[] { p.X, p.Y }) });

    [Fact]
    public void The_old_eyes_answer_at_most_one_slider_in_ten()
    {
        (int right, int lost) = Count(PuzzleSpec.NewSlider, (spec, image) =>
        {
            ((double X, double Y) pick, (double X, double Y) drop) = TemplateMatchingEyes.SolveSlider(image);
            return Answer(pick, drop);
        });
        output.WriteLine($"template matching, new sliders: {right} of {Puzzles} right ({100.0 * right / Puzzles:F1} %), {lost} unreadable");
        Assert.True(right <= Puzzles / 10, $"{right} of {Puzzles} sliders answered right");
    }

    [Fact]
    public void The_old_eyes_answer_at_most_one_connect_puzzle_in_ten()
    {
        (int right, int lost) = Count(PuzzleSpec.NewConnect, (spec, image) =>
        {
            Dictionary<string, (double X, double Y)> symbols = TemplateMatchingEyes.FindSymbols(image);
            return Answer([.. spec.Prompt.Select(name => symbols[name])]);
        });
        output.WriteLine($"template matching, new connect puzzles: {right} of {Puzzles} right ({100.0 * right / Puzzles:F1} %), {lost} unreadable");
        Assert.True(right <= Puzzles / 10, $"{right} of {Puzzles} connect puzzles answered right");
    }

    private static (int Right, int Lost) Count(Func<PuzzleSpec> make, Func<PuzzleSpec, byte[], JsonElement> answer)
    {
        int right = 0, lost = 0;
        for (int i = 0; i < Puzzles; i++)
        {
            PuzzleSpec spec = make();
            try
            {
                right += spec.Accepts(answer(spec, PuzzleRenderer.Render(spec))) ? 1 : 0;
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or Xunit.Sdk.XunitException)
            {
                lost++;
            }
        }

        return (right, lost);
    }
}
