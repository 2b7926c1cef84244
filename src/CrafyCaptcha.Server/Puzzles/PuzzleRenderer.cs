using SkiaSharp;

namespace CrafyCaptcha.Server.Puzzles;

/// <summary>
/// Draws a puzzle with SkiaSharp as one WebP image (no metadata: only pixels). The background is a gradient under
/// random translucent shapes and noise, all from the spec's texture seed. Slider: the piece where it starts, its gap
/// (darkened, outlined) elsewhere, and to the right of the background a strip with the piece alone on transparency
/// (the page draws it under the pointer while it is carried). Connect: six white discs, each with a dark symbol.
/// No text is drawn, so no font is needed.
/// </summary>
internal static class PuzzleRenderer
{
    /// <summary>The WebP quality (lossy; the slider strip's transparency is kept).</summary>
    public const int Quality = 70;

    /// <summary>Where the piece's square body sits in the slider strip (a constant the page knows; it reveals nothing).</summary>
    public const int StripPieceX = PuzzleSpec.Width + PuzzleSpec.Knob + 2, StripPieceY = (PuzzleSpec.Height - PuzzleSpec.Piece) / 2;

    public static byte[] Render(PuzzleSpec spec)
    {
        bool slider = spec.Kind == PuzzleSpec.Slider;
        var info = new SKImageInfo(slider ? PuzzleSpec.Width + PuzzleSpec.Strip : PuzzleSpec.Width, PuzzleSpec.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using SKSurface surface = SKSurface.Create(info);
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(SKColors.Transparent);
        var random = new Random(spec.TextureSeed);
        using SKImage background = Background(random);
        canvas.DrawImage(background, 0, 0);
        if (slider)
        {
            DrawSlider(canvas, background, spec.Geometry);
        }
        else
        {
            DrawConnect(canvas, random, spec.Geometry);
        }

        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Webp, Quality);
        return data.ToArray();
    }

    private static SKImage Background(Random random)
    {
        using SKSurface surface = SKSurface.Create(new SKImageInfo(PuzzleSpec.Width, PuzzleSpec.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        SKCanvas canvas = surface.Canvas;
        float hue = random.Next(360);
        using (var gradient = new SKPaint())
        {
            gradient.Shader = SKShader.CreateLinearGradient(
                new SKPoint(0, random.Next(PuzzleSpec.Height)), new SKPoint(PuzzleSpec.Width, random.Next(PuzzleSpec.Height)),
                [Colour(hue, 55, 62), Colour((hue + 60 + random.Next(120)) % 360, 50, 45)], SKShaderTileMode.Clamp);
            canvas.DrawRect(0, 0, PuzzleSpec.Width, PuzzleSpec.Height, gradient);
        }

        using var paint = new SKPaint { IsAntialias = true };
        for (int i = 0; i < 34; i++)
        {
            paint.Color = Colour(random.Next(360), 30 + random.Next(60), 25 + random.Next(50)).WithAlpha((byte)(70 + random.Next(120)));
            paint.Style = random.Next(4) == 0 ? SKPaintStyle.Stroke : SKPaintStyle.Fill;
            paint.StrokeWidth = 2 + random.Next(5);
            float x = random.Next(PuzzleSpec.Width), y = random.Next(PuzzleSpec.Height), size = 8 + random.Next(44);
            switch (random.Next(3))
            {
                case 0:
                    canvas.DrawCircle(x, y, size / 2, paint);
                    break;
                case 1:
                    canvas.Save();
                    canvas.RotateDegrees(random.Next(90), x, y);
                    canvas.DrawRect(x - (size / 2), y - (size / 3), size, size * 2 / 3, paint);
                    canvas.Restore();
                    break;
                default:
                    using (var path = new SKPath())
                    {
                        path.MoveTo(x, y);
                        path.CubicTo(x + random.Next(-60, 60), y + random.Next(-60, 60), x + random.Next(-60, 60), y + random.Next(-60, 60), x + random.Next(-80, 80), y + random.Next(-50, 50));
                        paint.Style = SKPaintStyle.Stroke;
                        canvas.DrawPath(path, paint);
                    }

                    break;
            }
        }

        // Noise: specks of any hue, never near white (white belongs to the connect symbols' discs).
        paint.Style = SKPaintStyle.Fill;
        for (int i = 0; i < 700; i++)
        {
            paint.Color = Colour(random.Next(360), random.Next(80), 20 + random.Next(55)).WithAlpha((byte)(90 + random.Next(140)));
            canvas.DrawRect(random.Next(PuzzleSpec.Width), random.Next(PuzzleSpec.Height), 1 + random.Next(2), 1 + random.Next(2), paint);
        }

        return surface.Snapshot();
    }

    private static void DrawSlider(SKCanvas canvas, SKImage background, int[] g)
    {
        (int homeX, int homeY, int gapX, int gapY, int variant) = (g[0], g[1], g[2], g[3], g[4]);
        using SKPath piece = PiecePath(variant);
        using var outline = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 2, Color = SKColors.White.WithAlpha(210) };
        using var shade = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill, Color = SKColors.Black.WithAlpha(115) };
        using var shadow = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 3, Color = SKColors.Black.WithAlpha(90) };

        // The gap: the texture darkened where the piece belongs.
        canvas.Save();
        canvas.Translate(gapX, gapY);
        canvas.DrawPath(piece, shade);
        canvas.DrawPath(piece, outline);
        canvas.Restore();

        // The piece where it starts, and alone in the strip: the gap's texture, outlined.
        foreach ((int x, int y) in new[] { (homeX, homeY), (StripPieceX, StripPieceY) })
        {
            canvas.Save();
            canvas.Translate(x, y);
            canvas.Save();
            canvas.Translate(1.5f, 1.5f);
            canvas.DrawPath(piece, shadow);
            canvas.Restore();
            canvas.Save();
            canvas.ClipPath(piece, antialias: true);
            canvas.DrawImage(background, -gapX, -gapY);
            canvas.Restore();
            canvas.DrawPath(piece, outline);
            canvas.Restore();
        }
    }

    /// <summary>The piece's outline: a square body with a round knob out of, or into, some of its sides.</summary>
    internal static SKPath PiecePath(int variant)
    {
        const float s = PuzzleSpec.Piece, k = PuzzleSpec.Knob;
        var path = new SKPath();
        var corners = new[] { new SKPoint(0, 0), new SKPoint(s, 0), new SKPoint(s, s), new SKPoint(0, s) };
        path.MoveTo(corners[0]);
        for (int side = 0; side < 4; side++)
        {
            SKPoint from = corners[side], to = corners[(side + 1) % 4];
            int knob = PuzzleSpec.KnobOf(variant, side);
            if (knob != 0)
            {
                // Along the side to a third, a half circle out of (or into) the body, then to the corner.
                SKPoint a = new(from.X + ((to.X - from.X) * 0.34f), from.Y + ((to.Y - from.Y) * 0.34f));
                SKPoint b = new(from.X + ((to.X - from.X) * 0.66f), from.Y + ((to.Y - from.Y) * 0.66f));
                path.LineTo(a);
                var oval = new SKRect(((a.X + b.X) / 2) - (k * 0.75f), ((a.Y + b.Y) / 2) - (k * 0.75f), ((a.X + b.X) / 2) + (k * 0.75f), ((a.Y + b.Y) / 2) + (k * 0.75f));
                float start = side * 90 + 180; // the side's direction, turned back
                path.ArcTo(oval, start, knob == 1 ? 180 : -180, false);
                path.LineTo(b);
            }

            path.LineTo(to);
        }

        path.Close();
        return path;
    }

    private static void DrawConnect(SKCanvas canvas, Random random, int[] g)
    {
        using var disc = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill, Color = SKColors.White };
        using var ring = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 2, Color = new SKColor(30, 30, 30) };
        using var ink = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        for (int i = 0; i < PuzzleSpec.Symbols.Length; i++)
        {
            float x = g[2 * i], y = g[(2 * i) + 1];
            canvas.DrawCircle(x, y, PuzzleSpec.SymbolRadius, disc);
            canvas.DrawCircle(x, y, PuzzleSpec.SymbolRadius, ring);
            ink.Color = Colour(random.Next(360), 70 + random.Next(30), 22 + random.Next(18));
            using SKPath symbol = Symbol(PuzzleSpec.Symbols[i], x, y);
            canvas.DrawPath(symbol, ink);
        }
    }

    private static SKPath Symbol(string name, float x, float y)
    {
        var path = new SKPath();
        switch (name)
        {
            case "circle":
                path.AddCircle(x, y, 7.5f);
                break;
            case "square":
                path.AddRect(new SKRect(x - 7, y - 7, x + 7, y + 7));
                break;
            case "triangle":
                path.MoveTo(x, y - 8);
                path.LineTo(x + 9, y + 7);
                path.LineTo(x - 9, y + 7);
                path.Close();
                break;
            case "star":
                for (int i = 0; i < 10; i++)
                {
                    double angle = (-Math.PI / 2) + (i * Math.PI / 5);
                    float r = i % 2 == 0 ? 10 : 4.2f;
                    var p = new SKPoint(x + (float)(r * Math.Cos(angle)), y + (float)(r * Math.Sin(angle)));
                    if (i == 0)
                    {
                        path.MoveTo(p);
                    }
                    else
                    {
                        path.LineTo(p);
                    }
                }

                path.Close();
                break;
            case "diamond":
                path.MoveTo(x, y - 10);
                path.LineTo(x + 8, y);
                path.LineTo(x, y + 10);
                path.LineTo(x - 8, y);
                path.Close();
                break;
            default: // cross
                path.AddRect(new SKRect(x - 9, y - 2.5f, x + 9, y + 2.5f));
                path.AddRect(new SKRect(x - 2.5f, y - 9, x + 2.5f, y + 9));
                break;
        }

        return path;
    }

    private static SKColor Colour(float hue, float saturation, float value) => SKColor.FromHsv(hue, saturation, value);
}
