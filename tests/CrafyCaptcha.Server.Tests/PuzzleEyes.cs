using SkiaSharp;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// Solves a puzzle the way a person's eyes do, from the image's pixels only (decoded with SkiaSharp): nothing from the
/// engine's code or state, and no pixel matching. Slider: the white outlines on the picture are the raised piece
/// (brighter than around it) and the gaps (darker than around it); the gap whose outline has the carried piece's shape
/// (its knob layout), whatever its size and a turn, is where it goes. Connect: the pale discs, each with a dark symbol
/// told apart by its silhouette, whatever its size, turn or stroke, from the shapes a person knows.
/// </summary>
public static class PuzzleEyes
{
    public const int Width = 300, Height = 160;

    /// <summary>Where the page's strip holds the carried piece's centre (a constant of the page, puzzle.js).</summary>
    private const double StripCentreX = 331, StripCentreY = 80;

    private static double Luma(SKColor c) => (0.3 * c.Red) + (0.59 * c.Green) + (0.11 * c.Blue);

    /// <summary>The slider's answer in image pixels: where to pick the piece up, where to drop it.</summary>
    public static ((double X, double Y) Pick, (double X, double Y) Drop) SolveSlider(byte[] image)
    {
        using SKBitmap bitmap = SKBitmap.Decode(image);
        Assert.True(bitmap.Width > Width, "a slider image carries the piece on a strip to the right");
        var carried = new Shape(Enumerable.Range(Width, bitmap.Width - Width)
            .SelectMany(x => Enumerable.Range(0, Height).Where(y => bitmap.GetPixel(x, y).Alpha > 128).Select(y => (x, y))));

        // The outlines: near-white strokes, each closed around its piece or gap.
        var outlines = Blobs(Width, Height, (x, y) => Luma(bitmap.GetPixel(x, y)) >= 185)
            .Where(b => b.Width is >= 30 and <= 80 && b.Height is >= 30 and <= 80)
            .Select(b => b.Filled()).ToList();
        Assert.True(outlines.Count >= 2, $"{outlines.Count} outlines found");

        // Raised or sunk: the inside against a ring just around it.
        double Relief(Shape s)
        {
            double inside = s.Points.Average(p => Luma(bitmap.GetPixel(p.X, p.Y)));
            var ring = s.Ring(3, 7).Where(p => p.X < Width && p.Y < Height).ToList();
            return inside / Math.Max(1, ring.Average(p => Luma(bitmap.GetPixel(p.X, p.Y))));
        }

        Shape piece = outlines.MaxBy(Relief)!;
        (Shape gap, double turn) = outlines.Where(s => s != piece).Select(s => (s, Turn: s.BestTurn(carried, 30, 2, out double fit), Fit: fit))
            .MaxBy(m => m.Fit) is var best ? (best.s, best.Turn) : default;

        // The carried piece's centre, as far from its silhouette's centroid as in the strip, turned and sized as the gap.
        double k = Math.Sqrt(gap.Points.Count / (double)carried.Points.Count), a = turn * Math.PI / 180;
        (double dx, double dy) = ((StripCentreX - carried.CX) * k, (StripCentreY - carried.CY) * k);
        return ((piece.CX, piece.CY), (gap.CX + (dx * Math.Cos(a)) - (dy * Math.Sin(a)), gap.CY + (dx * Math.Sin(a)) + (dy * Math.Cos(a))));
    }

    /// <summary>The connect puzzle's symbols: name → centre, in image pixels (shapes that are none of them left out).</summary>
    public static Dictionary<string, (double X, double Y)> FindSymbols(byte[] image)
    {
        using SKBitmap bitmap = SKBitmap.Decode(image);
        var found = new Dictionary<string, (double X, double Y)>();
        var fits = new Dictionary<string, double>();
        bool Pale(int x, int y)
        {
            SKColor c = bitmap.GetPixel(x, y);
            return Luma(c) >= 205 && Math.Max(c.Red, Math.Max(c.Green, c.Blue)) - Math.Min(c.Red, Math.Min(c.Green, c.Blue)) <= 45;
        }

        foreach (Shape disc in Blobs(Width, Height, Pale).Where(b => b.Points.Count >= 150 && b.Width >= 20 && b.Height >= 20))
        {
            (double cx, double cy, double r) = (disc.X0 + ((disc.Width - 1) / 2.0), disc.Y0 + ((disc.Height - 1) / 2.0), Math.Max(disc.Width, disc.Height) / 2.0);
            var ink = new Shape(disc.Filled().Points.Where(p => Math.Pow(p.X - cx, 2) + Math.Pow(p.Y - cy, 2) <= Math.Pow(r - 1.5, 2) && Luma(bitmap.GetPixel(p.X, p.Y)) < 150));
            if (ink.Points.Count < 12)
            {
                continue;
            }

            Shape silhouette = ink.Filled();
            string name = Known.Value.MaxBy(known => silhouette.BestTurnFit(known.Shape))!.Name;
            // Two discs that look like the same symbol: the likelier one is it.
            double fit = silhouette.BestTurnFit(Known.Value.First(k => k.Name == name).Shape);
            if (Array.IndexOf(Symbols, name) >= 0 && (!fits.TryGetValue(name, out double other) || fit > other))
            {
                (found[name], fits[name]) = ((cx, cy), fit);
            }
        }

        return found;
    }

    private static readonly string[] Symbols = ["circle", "square", "triangle", "star", "diamond", "cross"];

    /// <summary>The shapes a person knows, drawn large and filled: the six symbols and a few others.</summary>
    private static readonly Lazy<(string Name, Shape Shape)[]> Known = new(() =>
    {
        SKPoint[] Star(int tips, double inner) => [.. Enumerable.Range(0, 2 * tips).Select(i => new SKPoint(
            (float)(40 * (i % 2 == 0 ? 1 : inner) * Math.Sin(i * Math.PI / tips)), (float)(-40 * (i % 2 == 0 ? 1 : inner) * Math.Cos(i * Math.PI / tips))))];
        var shapes = new (string Name, Action<SKPath> Draw)[]
        {
            ("circle", p => p.AddCircle(0, 0, 34)),
            ("square", p => p.AddRect(new SKRect(-28, -28, 28, 28))),
            ("triangle", p => p.AddPoly(Star(3, 0.5).Where((_, i) => i % 2 == 0).ToArray())),
            ("star", p => p.AddPoly(Star(5, 0.42))),
            ("diamond", p => p.AddPoly([new(0, -40), new(22, 0), new(0, 40), new(-22, 0)])),
            ("cross", p => { p.AddRect(new SKRect(-36, -12, 36, 12)); p.AddRect(new SKRect(-12, -36, 12, 36)); }),
            ("heart", p => { p.MoveTo(0, 36); p.CubicTo(-48, 0, -32, -44, 0, -16); p.CubicTo(32, -44, 48, 0, 0, 36); }),
            ("moon", p => { p.AddCircle(0, 0, 36); using var bite = new SKPath(); bite.AddCircle(18, -10, 30); p.Op(bite, SKPathOp.Difference, p); }),
            ("arrow", p => p.AddPoly([new(-36, -9), new(4, -9), new(4, -28), new(38, 0), new(4, 28), new(4, 9), new(-36, 9)])),
        };
        return [.. shapes.Select(s =>
        {
            using var bitmap = new SKBitmap(100, 100);
            using (var canvas = new SKCanvas(bitmap))
            using (var path = new SKPath { FillType = SKPathFillType.Winding })
            using (var paint = new SKPaint { Color = SKColors.Black, IsAntialias = false })
            {
                canvas.Clear(SKColors.White);
                canvas.Translate(50, 50);
                s.Draw(path);
                canvas.DrawPath(path, paint);
            }

            return (s.Name, new Shape(Enumerable.Range(0, 100).SelectMany(x => Enumerable.Range(0, 100).Where(y => bitmap.GetPixel(x, y).Red < 128).Select(y => (x, y)))));
        })];
    });

    /// <summary>The 4-connected blobs of pixels that pass <paramref name="test"/>.</summary>
    private static IEnumerable<Shape> Blobs(int width, int height, Func<int, int, bool> test)
    {
        var seen = new bool[width, height];
        for (int x = 0; x < width; x++)
        {
            for (int y = 0; y < height; y++)
            {
                if (seen[x, y] || !test(x, y))
                {
                    continue;
                }

                var points = new List<(int X, int Y)>();
                var stack = new Stack<(int X, int Y)>([(x, y)]);
                seen[x, y] = true;
                while (stack.TryPop(out (int X, int Y) p))
                {
                    points.Add(p);
                    foreach ((int nx, int ny) in new[] { (p.X + 1, p.Y), (p.X - 1, p.Y), (p.X, p.Y + 1), (p.X, p.Y - 1) })
                    {
                        if (nx >= 0 && ny >= 0 && nx < width && ny < height && !seen[nx, ny] && test(nx, ny))
                        {
                            seen[nx, ny] = true;
                            stack.Push((nx, ny));
                        }
                    }
                }

                yield return new Shape(points);
            }
        }
    }

    /// <summary>A set of pixels: its box, centroid and area, and how well another shape's silhouette covers it.</summary>
    private sealed class Shape
    {
        private readonly HashSet<(int X, int Y)> _set;

        public Shape(IEnumerable<(int X, int Y)> points)
        {
            Points = [.. points];
            _set = [.. Points];
            (X0, Y0) = (Points.Count == 0 ? 0 : Points.Min(p => p.X), Points.Count == 0 ? 0 : Points.Min(p => p.Y));
            (Width, Height) = (Points.Count == 0 ? 0 : Points.Max(p => p.X) - X0 + 1, Points.Count == 0 ? 0 : Points.Max(p => p.Y) - Y0 + 1);
            (CX, CY) = (Points.Count == 0 ? 0 : Points.Average(p => p.X), Points.Count == 0 ? 0 : Points.Average(p => p.Y));
        }

        public List<(int X, int Y)> Points { get; }

        public int X0 { get; }

        public int Y0 { get; }

        public int Width { get; }

        public int Height { get; }

        public double CX { get; }

        public double CY { get; }

        public bool Contains(int x, int y) => _set.Contains((x, y));

        /// <summary>This shape with its holes filled: everything its box's border cannot reach around it.</summary>
        public Shape Filled()
        {
            var outside = new HashSet<(int X, int Y)>();
            var stack = new Stack<(int X, int Y)>([(X0 - 1, Y0 - 1)]);
            while (stack.TryPop(out (int X, int Y) p))
            {
                if (p.X < X0 - 1 || p.Y < Y0 - 1 || p.X > X0 + Width || p.Y > Y0 + Height || Contains(p.X, p.Y) || !outside.Add(p))
                {
                    continue;
                }

                stack.Push((p.X + 1, p.Y));
                stack.Push((p.X - 1, p.Y));
                stack.Push((p.X, p.Y + 1));
                stack.Push((p.X, p.Y - 1));
            }

            return new Shape(Enumerable.Range(X0, Width).SelectMany(x => Enumerable.Range(Y0, Height).Where(y => !outside.Contains((x, y))).Select(y => (x, y))));
        }

        /// <summary>The pixels between <paramref name="from"/> and <paramref name="to"/> pixels outside the shape.</summary>
        public IEnumerable<(int X, int Y)> Ring(int from, int to)
            => Enumerable.Range(Math.Max(0, X0 - to), Width + (2 * to)).SelectMany(x => Enumerable.Range(Math.Max(0, Y0 - to), Height + (2 * to)).Select(y => (X: x, Y: y)))
                .Where(p => !Contains(p.X, p.Y) && Near(p, to) && !Near(p, from - 1));

        private bool Near((int X, int Y) p, int distance)
        {
            for (int dx = -distance; dx <= distance; dx++)
            {
                for (int dy = -distance; dy <= distance; dy++)
                {
                    if ((dx * dx) + (dy * dy) <= distance * distance && Contains(p.X + dx, p.Y + dy))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>How much of this shape <paramref name="other"/> covers, both scaled to the same area and centred, <paramref name="turn"/> degrees apart (intersection over union).</summary>
        public double Fit(Shape other, double turn)
        {
            double k = Math.Sqrt(other.Points.Count / (double)Points.Count), a = -turn * Math.PI / 180, cos = Math.Cos(a), sin = Math.Sin(a);
            int both = Points.Count(p =>
            {
                (double x, double y) = ((p.X - CX) * k, (p.Y - CY) * k);
                return other.Contains((int)Math.Round(other.CX + (x * cos) - (y * sin)), (int)Math.Round(other.CY + (x * sin) + (y * cos)));
            });
            return both / ((2.0 * Points.Count) - both);
        }

        /// <summary>The turn (degrees, within ±<paramref name="range"/>) at which <paramref name="other"/> fits this shape best.</summary>
        public double BestTurn(Shape other, int range, int step, out double fit)
        {
            (double turn, fit) = (0, -1);
            for (int t = -range; t <= range; t += step)
            {
                double f = Fit(other, t);
                if (f > fit)
                {
                    (turn, fit) = (t, f);
                }
            }

            return turn;
        }

        /// <summary>How well <paramref name="other"/> fits this shape at its best turn, any way round.</summary>
        public double BestTurnFit(Shape other)
        {
            BestTurn(other, 180, 4, out double fit);
            return fit;
        }
    }
}
