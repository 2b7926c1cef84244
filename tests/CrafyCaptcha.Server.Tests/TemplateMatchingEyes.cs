using SkiaSharp;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The tests' eyes before issue 23, kept unchanged as the attacker they were (a few dozen lines of template matching and
/// blob counting that solved every old puzzle): from the image's pixels only. Slider: the piece alone is on the strip
/// right of the picture; it looks for that same texture twice, once as the piece where it starts and once darkened in
/// its gap. Connect: the white discs, each with a dark symbol told apart by its fill. <see cref="TemplateMatchingEyesTests"/>
/// counts how often they still read the new puzzles.
/// </summary>
public static class TemplateMatchingEyes
{
    public const int Width = 300, Height = 160;

    /// <summary>The slider's answer in image pixels: where to pick the piece up, where to drop it.</summary>
    public static ((double X, double Y) Pick, (double X, double Y) Drop) SolveSlider(byte[] image)
    {
        using SKBitmap bitmap = SKBitmap.Decode(image);
        Assert.True(bitmap.Width > Width, "a slider image carries the piece on a strip to the right");
        // The piece: opaque pixels of the strip, away from its outline.
        var opaque = new bool[bitmap.Width - Width, Height];
        for (int x = Width; x < bitmap.Width; x++)
        {
            for (int y = 0; y < Height; y++)
            {
                opaque[x - Width, y] = bitmap.GetPixel(x, y).Alpha == 255;
            }
        }

        var mask = new List<(int X, int Y, SKColor C)>();
        int minX = int.MaxValue, minY = int.MaxValue, maxX = 0, maxY = 0;
        for (int x = 4; x < bitmap.Width - Width - 4; x++)
        {
            for (int y = 4; y < Height - 4; y++)
            {
                bool inside = true;
                for (int d = -4; d <= 4 && inside; d++)
                {
                    inside = opaque[x + d, y] && opaque[x, y + d];
                }

                if (inside && (x + y) % 2 == 0)
                {
                    mask.Add((x, y, bitmap.GetPixel(x + Width, y)));
                    (minX, minY, maxX, maxY) = (Math.Min(minX, x), Math.Min(minY, y), Math.Max(maxX, x), Math.Max(maxY, y));
                }
            }
        }

        Assert.True(mask.Count > 200, $"the piece has {mask.Count} sample pixels");
        // Where the piece's texture is, as is (its start) and darkened (the gap: 45% black over it).
        (int X, int Y) home = Best(bitmap, mask, minX, minY, maxX, maxY, 1.0);
        (int X, int Y) gap = Best(bitmap, mask, minX, minY, maxX, maxY, 1 - (115 / 255.0));
        // The strip's piece body is a 40 px square whose centre is at strip (31, 80).
        return ((home.X + 31, home.Y + 80), (gap.X + 31, gap.Y + 80));
    }

    private static (int X, int Y) Best(SKBitmap bitmap, List<(int X, int Y, SKColor C)> mask, int minX, int minY, int maxX, int maxY, double shade)
    {
        double best = double.MaxValue;
        (int X, int Y) at = (0, 0);
        for (int dx = -minX; dx + maxX < Width; dx++)
        {
            for (int dy = -minY; dy + maxY < Height; dy++)
            {
                double cost = 0;
                foreach ((int x, int y, SKColor c) in mask)
                {
                    SKColor b = bitmap.GetPixel(x + dx, y + dy);
                    cost += Math.Abs(b.Red - (c.Red * shade)) + Math.Abs(b.Green - (c.Green * shade)) + Math.Abs(b.Blue - (c.Blue * shade));
                    if (cost > best)
                    {
                        break;
                    }
                }

                if (cost < best)
                {
                    (best, at) = (cost, (dx, dy));
                }
            }
        }

        return at;
    }

    /// <summary>The connect puzzle's symbols: name → centre, in image pixels.</summary>
    public static Dictionary<string, (double X, double Y)> FindSymbols(byte[] image)
    {
        using SKBitmap bitmap = SKBitmap.Decode(image);
        var white = new bool[Width, Height];
        for (int x = 0; x < Width; x++)
        {
            for (int y = 0; y < Height; y++)
            {
                SKColor c = bitmap.GetPixel(x, y);
                white[x, y] = c.Red > 225 && c.Green > 225 && c.Blue > 225;
            }
        }

        var found = new Dictionary<string, (double X, double Y)>();
        var seen = new bool[Width, Height];
        for (int x = 0; x < Width; x++)
        {
            for (int y = 0; y < Height; y++)
            {
                if (!white[x, y] || seen[x, y])
                {
                    continue;
                }

                // One disc: its white pixels, flooded.
                var stack = new Stack<(int X, int Y)>([(x, y)]);
                seen[x, y] = true;
                int count = 0, x0 = x, x1 = x, y0 = y, y1 = y;
                while (stack.TryPop(out (int X, int Y) p))
                {
                    count++;
                    (x0, x1, y0, y1) = (Math.Min(x0, p.X), Math.Max(x1, p.X), Math.Min(y0, p.Y), Math.Max(y1, p.Y));
                    foreach ((int nx, int ny) in new[] { (p.X + 1, p.Y), (p.X - 1, p.Y), (p.X, p.Y + 1), (p.X, p.Y - 1) })
                    {
                        if (nx >= 0 && ny >= 0 && nx < Width && ny < Height && white[nx, ny] && !seen[nx, ny])
                        {
                            seen[nx, ny] = true;
                            stack.Push((nx, ny));
                        }
                    }
                }

                if (count >= 150 && x1 - x0 >= 18 && y1 - y0 >= 18)
                {
                    (double cx, double cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
                    found[Classify(bitmap, cx, cy)] = (cx, cy);
                }
            }
        }

        return found;
    }

    private static string Classify(SKBitmap bitmap, double cx, double cy)
    {
        var dark = new List<(int X, int Y)>();
        for (int x = (int)cx - 11; x <= cx + 11; x++)
        {
            for (int y = (int)cy - 11; y <= cy + 11; y++)
            {
                SKColor c = bitmap.GetPixel(x, y);
                if ((x - cx) * (x - cx) + ((y - cy) * (y - cy)) <= 121 && (0.3 * c.Red) + (0.59 * c.Green) + (0.11 * c.Blue) < 150)
                {
                    dark.Add((x, y));
                }
            }
        }

        int minX = dark.Min(p => p.X), maxX = dark.Max(p => p.X), minY = dark.Min(p => p.Y), maxY = dark.Max(p => p.Y);
        double w = maxX - minX + 1, h = maxY - minY + 1, fill = dark.Count / (w * h);
        double RowWidth(double at) => dark.Count(p => p.Y == minY + (int)Math.Round(at * (h - 1))) / w;
        if (fill > 0.88)
        {
            return "square";
        }

        if (fill > 0.68)
        {
            return "circle";
        }

        // A star stands on two legs: its lowest rows are two runs of ink.
        int Runs(double at)
        {
            int row = minY + (int)Math.Round(at * (h - 1)), runs = 0;
            for (int x = minX; x <= maxX; x++)
            {
                if (dark.Contains((x, row)) && !dark.Contains((x - 1, row)))
                {
                    runs++;
                }
            }

            return runs;
        }

        if (fill < 0.6 && Runs(0.9) >= 2)
        {
            return "star";
        }

        if (RowWidth(0.3) < 0.45)
        {
            return RowWidth(0.85) > 0.6 ? "triangle" : "cross";
        }

        return "diamond";
    }
}
