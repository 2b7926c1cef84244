using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrafyCaptcha.Server.Puzzles;

/// <summary>
/// One puzzle, as the server keeps it (never sent: the browser gets its pixels only). Geometry is in image pixels
/// (<see cref="Width"/> × <see cref="Height"/>), drawn from a cryptographic generator, so no two flows share an answer
/// and no table of past puzzles helps; <see cref="TextureSeed"/> only varies the background.
/// </summary>
/// <param name="Kind"><see cref="Slider"/> or <see cref="Connect"/>.</param>
/// <param name="TextureSeed">Seeds the background's shapes, colours and noise (not the answer).</param>
/// <param name="Geometry">
/// Slider: <c>[homeX, homeY, gapX, gapY, variant, decoyX, decoyY, decoyVariant, …]</c>, the top-left corners of the
/// piece's square body where it is drawn first and where it fits, its knob layout, then <see cref="Decoys"/> gaps of
/// other knob layouts. Connect: <c>[x0, y0, … x5, y5, dx0, dy0, …]</c>, the centres of the six symbols in
/// <see cref="Symbols"/> order, then those of the <see cref="Distractors"/> shapes that are none of them.
/// </param>
/// <param name="Prompt">Connect: the names of the symbols to link, in order. Slider: empty.</param>
internal sealed record PuzzleSpec(
    [property: JsonPropertyName("k")] string Kind,
    [property: JsonPropertyName("s")] int TextureSeed,
    [property: JsonPropertyName("g")] int[] Geometry,
    [property: JsonPropertyName("p")] string[] Prompt)
{
    public const string Slider = "slider";
    public const string Connect = "connect";
    public const int Width = 300;
    public const int Height = 160;

    /// <summary>The slider piece's square body (knobs add up to <see cref="Knob"/> on two or three sides).</summary>
    public const int Piece = 40;
    public const int Knob = 9;

    /// <summary>The width of the strip right of the background that holds the slider's piece, on transparency.</summary>
    public const int Strip = Piece + (2 * Knob) + 4;

    /// <summary>How many gaps besides the piece's own a slider shows (darkened outlines of other knob layouts).</summary>
    public const int Decoys = 4;

    /// <summary>How many symbols a connect puzzle asks to link.</summary>
    public const int Links = 4;
    public const int SymbolRadius = 14;

    /// <summary>How many shapes a connect puzzle draws besides its six symbols (none of them: a heart, a moon, an arrow).</summary>
    public const int Distractors = 3;

    /// <summary>The least distance between two connect symbols' centres (image pixels).</summary>
    public const int SymbolsApart = 52;

    /// <summary>The connect symbols, in geometry order.</summary>
    public static readonly string[] Symbols = ["circle", "square", "triangle", "star", "diamond", "cross"];

    // The tolerances come from a model of people's hands (PuzzleToleranceTests runs it, seeded): each endpoint lands
    // off its aim by a normal scatter per axis, σ² = σa² + (D / (4.133 · (2^ID − 1)))², the dual-Gaussian form of
    // Bi & Zhai ("Bayesian Touch", UIST 2013; FFitts law, CHI 2013): an absolute part σa, and a part that grows with
    // the movement's distance D as Fitts' law has it (an effective width 4.133 σ at an effective index of difficulty
    // ID = 4 bits, a careful aimed move). Mouse: σa = 1 CSS px, the picture 300 CSS px wide. Touch: σa = 1.30 mm
    // across and 1.15 mm down (√1.6834 and √1.3292 mm, Bi & Zhai's finger constants) at 6.4 CSS px per mm (a phone
    // 320 CSS px ≈ 50 mm wide), the picture 262 CSS px wide (the widget's box on that phone). The first point comes
    // from 100 CSS px away. With these tolerances ≥ 95 % of a mouse's first tries and ≥ 90 % of a thumb's pass.

    /// <summary>How far (image pixels) a slider drop may be from the gap's centre, and a pick from the piece's centre.</summary>
    public const double DropTolerance = 24, PickTolerance = 24;

    /// <summary>How far (image pixels) a connect selection may be from its symbol's centre (half of <see cref="SymbolsApart"/> at most: never two symbols).</summary>
    public const double LinkTolerance = 26;

    /// <summary>The number of points an answer must carry.</summary>
    [JsonIgnore]
    public int Points => Kind == Slider ? 2 : Links;

    public static PuzzleSpec NewSlider()
    {
        // The piece and every gap, apart (their boxes with knobs never touch); the first is the piece, the second its gap.
        int margin = Knob + 2, max = Width - Piece - Knob - 2, maxY = Height - Piece - Knob - 2;
        const int apart = Piece + (2 * Knob);
        (int X, int Y)[] places = Scatter(2 + Decoys, margin, max, margin, maxY, (p, q) => Math.Abs(p.X - q.X) >= apart || Math.Abs(p.Y - q.Y) >= apart);

        // Knob layouts on the four sides, each none, out (1) or in (2), at least two knobs: the gap's, then decoys that
        // differ from it (and from one another) on at least two sides, so the eye tells them apart at a glance.
        var variants = new List<int>(1 + Decoys);
        while (variants.Count < 1 + Decoys)
        {
            int variant = RandomNumberGenerator.GetInt32(0, 81);
            if (Enumerable.Range(0, 4).Count(side => KnobOf(variant, side) != 0) >= 2
                && variants.All(v => Enumerable.Range(0, 4).Count(side => KnobOf(v, side) != KnobOf(variant, side)) >= 2))
            {
                variants.Add(variant);
            }
        }

        var geometry = new List<int> { places[0].X, places[0].Y, places[1].X, places[1].Y, variants[0] };
        for (int i = 0; i < Decoys; i++)
        {
            geometry.AddRange([places[2 + i].X, places[2 + i].Y, variants[1 + i]]);
        }

        return new PuzzleSpec(Slider, RandomNumberGenerator.GetInt32(int.MaxValue), [.. geometry], []);
    }

    public static PuzzleSpec NewConnect()
    {
        int r = SymbolRadius + 5;
        (int X, int Y)[] points = Scatter(Symbols.Length + Distractors, r, Width - r - 1, r, Height - r - 1, (p, q) => ((q.X - p.X) * (q.X - p.X)) + ((q.Y - p.Y) * (q.Y - p.Y)) >= SymbolsApart * SymbolsApart);
        string[] prompt = [.. Symbols.OrderBy(_ => RandomNumberGenerator.GetInt32(int.MaxValue)).Take(Links)];
        return new PuzzleSpec(Connect, RandomNumberGenerator.GetInt32(int.MaxValue), [.. points.SelectMany(p => new[] { p.X, p.Y })], prompt);
    }

    /// <summary><paramref name="count"/> random points in the box, each pair <paramref name="apart"/>; starts over when they jam.</summary>
    private static (int X, int Y)[] Scatter(int count, int minX, int maxX, int minY, int maxY, Func<(int X, int Y), (int X, int Y), bool> apart)
    {
        var points = new List<(int X, int Y)>(count);
        for (int misses = 0; points.Count < count; misses++)
        {
            if (misses == 200)
            {
                (points, misses) = (new List<(int X, int Y)>(count), 0);
            }

            (int X, int Y) p = (RandomNumberGenerator.GetInt32(minX, maxX + 1), RandomNumberGenerator.GetInt32(minY, maxY + 1));
            if (points.All(q => apart(p, q)))
            {
                points.Add(p);
            }
        }

        return [.. points];
    }

    /// <summary>0 no knob, 1 out, 2 in, for side 0 top, 1 right, 2 bottom, 3 left.</summary>
    public static int KnobOf(int variant, int side)
    {
        for (int i = 0; i < side; i++)
        {
            variant /= 3;
        }

        return variant % 3;
    }

    /// <summary>
    /// Whether <paramref name="answer"/> (<c>{"points": [[x, y], …]}</c>, image pixels) solves this puzzle: the slider's
    /// piece picked up on its body and dropped onto the gap; the connect symbols selected in the prompt's order.
    /// </summary>
    public bool Accepts(JsonElement? answer)
    {
        if (ReadPoints(answer, Points) is not { } points)
        {
            return false;
        }

        if (Kind == Slider)
        {
            double half = Piece / 2.0;
            return Distance(points[0], (Geometry[0] + half, Geometry[1] + half)) <= PickTolerance
                && Distance(points[1], (Geometry[2] + half, Geometry[3] + half)) <= DropTolerance;
        }

        for (int i = 0; i < Links; i++)
        {
            int symbol = Array.IndexOf(Symbols, Prompt[i]);
            if (Distance(points[i], (Geometry[2 * symbol], Geometry[(2 * symbol) + 1])) > LinkTolerance)
            {
                return false;
            }
        }

        return true;
    }

    private static double Distance((double X, double Y) a, (double X, double Y) b)
        => Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    private static (double X, double Y)[]? ReadPoints(JsonElement? answer, int count)
    {
        if (answer is not { ValueKind: JsonValueKind.Object } a || !a.TryGetProperty("points", out JsonElement list)
            || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() != count)
        {
            return null;
        }

        var points = new (double X, double Y)[count];
        int i = 0;
        foreach (JsonElement p in list.EnumerateArray())
        {
            if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() != 2 || !p[0].TryGetDouble(out double x) || !p[1].TryGetDouble(out double y)
                || !double.IsFinite(x) || !double.IsFinite(y))
            {
                return null;
            }

            points[i++] = (x, y);
        }

        return points;
    }
}

/// <summary>
/// A flow's puzzle state, kept in its flow record: the puzzle shown, its one-time image, the wrong
/// answers so far, how many puzzles the flow has shown, the proof-of-work challenge the flow has already spent (a
/// retry presents the same solution), and the accessible path's proof-of-work challenge once chosen.
/// </summary>
internal sealed record PuzzleState(
    [property: JsonPropertyName("spec")] PuzzleSpec Spec,
    [property: JsonPropertyName("img")] string ImageId,
    [property: JsonPropertyName("wrong")] int WrongAnswers,
    [property: JsonPropertyName("shown")] int Shown,
    [property: JsonPropertyName("pow")] string? PowSpent = null,
    [property: JsonPropertyName("apow")] string? AccessiblePow = null);

[JsonSerializable(typeof(PuzzleSpec))]
[JsonSerializable(typeof(PuzzleView))]
internal sealed partial class PuzzleJson : JsonSerializerContext;
