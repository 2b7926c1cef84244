using CrafyCaptcha.Server.Puzzles;
namespace CrafyCaptcha.Server.Tests;
public sealed class DumpScratch2(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void NewSlider()
    {
        int right = 0, n = 150;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            var spec = PuzzleSpec.NewSlider(); 
            var (pick, drop) = PuzzleEyes.SolveSlider(PuzzleRenderer.Render(spec));
            double dx = drop.X - spec.Geometry[2] - 20, dy = drop.Y - spec.Geometry[3] - 20, px = pick.X - spec.Geometry[0] - 20, py = pick.Y - spec.Geometry[1] - 20;
            double d = Math.Sqrt(dx*dx+dy*dy), q = Math.Sqrt(px*px+py*py);
            if (d < 3 && q < 20) right++; else output.WriteLine($"MISS {i} pick off {q:F1} drop off {d:F1}");
            if (d > 1.5) output.WriteLine($"drop off {d:F1}");
        }
        output.WriteLine($"RIGHT slider {right}/{n} in {sw.ElapsedMilliseconds} ms");
    }
    [Fact]
    public void NewConnect()
    {
        int right = 0, n = 150;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            var spec = PuzzleSpec.NewConnect();
            var found = PuzzleEyes.FindSymbols(PuzzleRenderer.Render(spec));
            var bad = new List<string>();
            for (int s = 0; s < 6; s++) { var name = PuzzleSpec.Symbols[s]; if (!found.TryGetValue(name, out var at) || Math.Abs(at.X - spec.Geometry[2*s]) > 2 || Math.Abs(at.Y - spec.Geometry[2*s+1]) > 2) bad.Add(name + (found.ContainsKey(name) ? $"@{found[name]}" : "-")); }
            if (bad.Count == 0) right++; else output.WriteLine($"MISS {i} {string.Join(" ", bad)} geo {string.Join(",", spec.Geometry)}");
        }
        output.WriteLine($"RIGHT connect {right}/{n} in {sw.ElapsedMilliseconds} ms");
    }
}
