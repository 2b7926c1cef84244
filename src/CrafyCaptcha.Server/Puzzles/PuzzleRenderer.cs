using SkiaSharp;

namespace CrafyCaptcha.Server.Puzzles;

/// <summary>
/// Draws a puzzle with SkiaSharp as one WebP image (no metadata: only pixels). The background is a gradient under
/// random translucent shapes and noise, all from the spec's texture seed. Slider: the piece where it starts (its gap's
/// texture zoomed, turned and relit, the piece turned a little: never a pixel copy of the gap), its gap and decoy gaps
/// of other knob layouts (darkened, outlined) elsewhere, and to the right of the background a strip with the piece
/// alone on transparency (the page draws it under the pointer while it is carried). Connect: six pale discs, each with
/// a dark symbol of its own size, turn and stroke, among distractor shapes. No text is drawn, so no font is needed.
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
            DrawSlider(canvas, background, random, spec.Geometry);
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

    private static void DrawSlider(SKCanvas canvas, SKImage background, Random random, int[] g)
    {
        (int homeX, int homeY, int variant) = (g[0], g[1], g[4]);
        using var outline = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 2, Color = SKColors.White.WithAlpha(210) };
        using var shade = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };

        // The gaps: the texture darkened, each by its own amount and turned its own way, where the piece belongs and
        // where decoys of other knob layouts sit. Only the outline's shape tells the piece's own.
        for (int i = 2; i + 2 < g.Length; i += 3)
        {
            (int x, int y) = (g[i], g[i + 1]);
            using SKPath gap = PiecePath(g[i + 2]);
            shade.Color = SKColors.Black.WithAlpha((byte)(85 + random.Next(75)));
            canvas.Save();
            canvas.Translate(x, y);
            canvas.RotateDegrees(random.Next(-14, 15), PuzzleSpec.Piece / 2f, PuzzleSpec.Piece / 2f);
            canvas.DrawPath(gap, shade);
            canvas.DrawPath(gap, outline);
            canvas.Restore();
        }

        // The piece is not a copy of its gap's pixels: its texture is the picture where the piece rests, enlarged or
        // shrunk, and lit from one side; the piece itself is larger or smaller than its gap and turned a little, one way
        // where it starts and the other way alone in the strip (what the pointer carries), lit differently when lifted.
        // Only its outline's knob layout tells its gap.
        float fromX = homeX + (PuzzleSpec.Piece / 2f), fromY = homeY + (PuzzleSpec.Piece / 2f);
        int way = random.Next(2) == 0 ? -1 : 1;
        float carried = (float)((6 + (random.NextDouble() * 6)) * way), resting = carried - (way * (float)(15 + (random.NextDouble() * 6)));
        float size = (float)(random.Next(2) == 0 ? 0.8 + (random.NextDouble() * 0.08) : 1.06 + (random.NextDouble() * 0.06));
        float zoom = (float)(0.8 + (random.NextDouble() * 0.4));
        float light = (float)(random.NextDouble() * 2 * Math.PI);
        using SKPath piece = PiecePath(variant);
        using var shadow = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 3, Color = SKColors.Black.WithAlpha(90) };
        using var texture = new SKPaint();
        using var lit = new SKPaint();
        const float half = PuzzleSpec.Piece / 2f;
        float bright = (float)(1.22 + (random.NextDouble() * 0.12)), dim = (float)(0.72 + (random.NextDouble() * 0.1));
        foreach ((int x, int y, float turn, float gain, float from) in new[] { (homeX, homeY, resting, bright, light), (StripPieceX, StripPieceY, carried, dim, light + 2) })
        {
            // Raised and lit where it rests (brighter than around it, where a gap is darker), in the hand's shade when lifted.
            using SKColorFilter filter = SKColorFilter.CreateColorMatrix([gain, 0, 0, 0, 0, 0, gain, 0, 0, 0, 0, 0, gain, 0, 0, 0, 0, 0, 1, 0]);
            texture.ColorFilter = filter;
            using SKShader shine = SKShader.CreateLinearGradient(
                new SKPoint(-28 * MathF.Cos(from), -28 * MathF.Sin(from)), new SKPoint(28 * MathF.Cos(from), 28 * MathF.Sin(from)),
                [SKColors.White.WithAlpha(80), SKColors.Black.WithAlpha(70)], SKShaderTileMode.Clamp);
            lit.Shader = shine;
            canvas.Save();
            canvas.Translate(x + half, y + half);
            canvas.RotateDegrees(turn);
            canvas.Scale(size);
            canvas.Translate(-half, -half);
            canvas.Save();
            canvas.Translate(1.5f, 1.5f);
            canvas.DrawPath(piece, shadow);
            canvas.Restore();
            canvas.Save();
            canvas.ClipPath(piece, antialias: true);
            canvas.Translate(half, half);
            canvas.Save();
            canvas.Scale(zoom);
            canvas.DrawImage(background, -fromX, -fromY, texture);
            canvas.Restore();
            canvas.DrawRect(-40, -40, 80, 80, lit);
            canvas.Restore();
            outline.StrokeWidth = 2 / size; // as wide as the gaps' outlines
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

    /// <summary>Shapes drawn among the connect symbols that are none of them (the prompt never names them).</summary>
    internal static readonly string[] DistractorShapes = ["heart", "moon", "arrow"];

    private static void DrawConnect(SKCanvas canvas, Random random, int[] g)
    {
        // Every symbol on a pale disc of its own tint and size, drawn filled or as an outline of varied stroke, at its
        // own size and turn; among them distractor shapes on the same discs.
        using var disc = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        using var ring = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 2, Color = new SKColor(30, 30, 30) };
        using var ink = new SKPaint { IsAntialias = true, StrokeJoin = SKStrokeJoin.Round };
        for (int i = 0; 2 * i < g.Length; i++)
        {
            float x = g[2 * i], y = g[(2 * i) + 1], radius = PuzzleSpec.SymbolRadius + random.Next(0, 4);
            string name = i < PuzzleSpec.Symbols.Length ? PuzzleSpec.Symbols[i] : DistractorShapes[random.Next(DistractorShapes.Length)];
            disc.Color = Colour(random.Next(360), random.Next(7), 97 + random.Next(4));
            canvas.DrawCircle(x, y, radius, disc);
            canvas.DrawCircle(x, y, radius, ring);
            bool outlined = random.Next(2) == 0;
            ink.Style = outlined ? SKPaintStyle.Stroke : SKPaintStyle.Fill;
            ink.StrokeWidth = 1.5f + (float)(random.NextDouble() * 1.1);
            ink.Color = Colour(random.Next(360), 70 + random.Next(30), 22 + random.Next(18));
            float size = (radius - (outlined ? 5.5f : 4.5f)) / 10f * (float)(0.85 + (random.NextDouble() * 0.15));
            using SKPath symbol = Symbol(name);
            symbol.Transform(SKMatrix.Concat(SKMatrix.CreateTranslation(x, y), SKMatrix.Concat(SKMatrix.CreateRotationDegrees(random.Next(360)), SKMatrix.CreateScale(size, size))));
            canvas.DrawPath(symbol, ink);
        }
    }

    /// <summary>A symbol's outline around (0, 0), about 10 px from its centre to its farthest point.</summary>
    private static SKPath Symbol(string name)
    {
        var path = new SKPath();
        switch (name)
        {
            case "circle":
                path.AddCircle(0, 0, 8.5f);
                break;
            case "square":
                path.AddRect(new SKRect(-7, -7, 7, 7));
                break;
            case "triangle":
                path.AddPoly([new(0, -10), new(8.7f, 5), new(-8.7f, 5)]);
                break;
            case "star":
                path.AddPoly([.. Enumerable.Range(0, 10).Select(i => Polar(i % 2 == 0 ? 10 : 4.2f, (-Math.PI / 2) + (i * Math.PI / 5)))]);
                break;
            case "diamond":
                path.AddPoly([new(0, -10), new(5.5f, 0), new(0, 10), new(-5.5f, 0)]);
                break;
            case "cross":
                path.AddPoly([new(-2.4f, -10), new(2.4f, -10), new(2.4f, -2.4f), new(10, -2.4f), new(10, 2.4f), new(2.4f, 2.4f), new(2.4f, 10), new(-2.4f, 10), new(-2.4f, 2.4f), new(-10, 2.4f), new(-10, -2.4f), new(-2.4f, -2.4f)]);
                break;
            case "heart":
                path.MoveTo(0, 9);
                path.CubicTo(-12, 0, -8, -11, 0, -4);
                path.CubicTo(8, -11, 12, 0, 0, 9);
                path.Close();
                break;
            case "moon":
                path.AddCircle(0, 0, 9);
                using (var bite = new SKPath())
                {
                    bite.AddCircle(4.5f, -2.5f, 7.5f);
                    path.Op(bite, SKPathOp.Difference, path);
                }

                break;
            default: // arrow
                path.AddPoly([new(-9, -2.2f), new(1, -2.2f), new(1, -7), new(9.5f, 0), new(1, 7), new(1, 2.2f), new(-9, 2.2f)]);
                break;
        }

        return path;
    }

    private static SKPoint Polar(float r, double angle) => new((float)(r * Math.Cos(angle)), (float)(r * Math.Sin(angle)));

    private static SKColor Colour(float hue, float saturation, float value) => SKColor.FromHsv(hue, saturation, value);
}
