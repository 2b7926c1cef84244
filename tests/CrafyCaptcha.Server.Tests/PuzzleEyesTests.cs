using CrafyCaptcha.Server.Puzzles;

namespace CrafyCaptcha.Server.Tests;

/// <summary>The tests' eyes (<see cref="PuzzleEyes"/>) read freshly rendered puzzles right, so browser tests that rely on them fail only for real reasons.</summary>
public sealed class PuzzleEyesTests
{
    [Fact]
    public void The_eyes_find_every_connect_symbol_where_it_was_drawn()
    {
        for (int i = 0; i < 40; i++)
        {
            PuzzleSpec spec = PuzzleSpec.NewConnect();
            Dictionary<string, (double X, double Y)> found = PuzzleEyes.FindSymbols(PuzzleRenderer.Render(spec));
            for (int s = 0; s < PuzzleSpec.Symbols.Length; s++)
            {
                string name = PuzzleSpec.Symbols[s];
                Assert.True(found.TryGetValue(name, out (double X, double Y) at), $"puzzle {i}: no {name} among {string.Join(",", found.Keys)}");
                Assert.True(Math.Abs(at.X - spec.Geometry[2 * s]) <= 2 && Math.Abs(at.Y - spec.Geometry[(2 * s) + 1]) <= 2, $"puzzle {i}: {name} at {at}");
            }
        }
    }

    [Fact]
    public void The_eyes_find_the_slider_piece_and_its_gap()
    {
        for (int i = 0; i < 15; i++)
        {
            PuzzleSpec spec = PuzzleSpec.NewSlider();
            ((double X, double Y) pick, (double X, double Y) drop) = PuzzleEyes.SolveSlider(PuzzleRenderer.Render(spec));
            Assert.True(spec.Accepts(System.Text.Json.JsonSerializer.SerializeToElement(new { points = new[] { new[] { pick.X, pick.Y }, new[] { drop.X, drop.Y } } })), $"puzzle {i}: {pick} {drop} vs [{string.Join(",", spec.Geometry)}]");
        }
    }
}
