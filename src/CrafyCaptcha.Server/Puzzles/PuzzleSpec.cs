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
/// Slider: <c>[homeX, homeY, gapX, gapY, variant]</c>, the top-left corners of the piece's square body where it is
/// drawn first and where it fits, and its knob layout. Connect: <c>[x0, y0, … x5, y5]</c>, the centres of the six
/// symbols in <see cref="Symbols"/> order.
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

    /// <summary>How many symbols a connect puzzle asks to link.</summary>
    public const int Links = 4;
    public const int SymbolRadius = 14;

    /// <summary>The connect symbols, in geometry order.</summary>
    public static readonly string[] Symbols = ["circle", "square", "triangle", "star", "diamond", "cross"];

    /// <summary>How far (image pixels) a slider drop may be from the gap, and a pick from the piece's centre.</summary>
    public const double DropTolerance = 3, PickTolerance = 20;

    /// <summary>How far (image pixels) a connect selection may be from its symbol's centre.</summary>
    public const double LinkTolerance = 14;

    /// <summary>The number of points an answer must carry.</summary>
    [JsonIgnore]
    public int Points => Kind == Slider ? 2 : Links;

    public static PuzzleSpec NewSlider()
    {
        int margin = Knob + 2, max = Width - Piece - Knob - 2, maxY = Height - Piece - Knob - 2;
        int homeX, homeY, gapX, gapY;
        do
        {
            homeX = RandomNumberGenerator.GetInt32(margin, max + 1);
            homeY = RandomNumberGenerator.GetInt32(margin, maxY + 1);
            gapX = RandomNumberGenerator.GetInt32(margin, max + 1);
            gapY = RandomNumberGenerator.GetInt32(margin, maxY + 1);
        }
        while (Math.Abs(homeX - gapX) < Piece + (2 * Knob) + 6 && Math.Abs(homeY - gapY) < Piece + (2 * Knob) + 6);

        // Knobs on the four sides, each out (1) or in (2), never all the same: base-3 digits top, right, bottom, left.
        int variant;
        do
        {
            variant = RandomNumberGenerator.GetInt32(0, 81);
        }
        while (Enumerable.Range(0, 4).Count(side => KnobOf(variant, side) != 0) < 2);

        return new PuzzleSpec(Slider, RandomNumberGenerator.GetInt32(int.MaxValue), [homeX, homeY, gapX, gapY, variant], []);
    }

    public static PuzzleSpec NewConnect()
    {
        int r = SymbolRadius + 4;
        var points = new List<(int X, int Y)>(Symbols.Length);
        while (points.Count < Symbols.Length)
        {
            (int X, int Y) p = (RandomNumberGenerator.GetInt32(r, Width - r), RandomNumberGenerator.GetInt32(r, Height - r));
            if (points.All(q => ((q.X - p.X) * (q.X - p.X)) + ((q.Y - p.Y) * (q.Y - p.Y)) >= 46 * 46))
            {
                points.Add(p);
            }
        }

        string[] prompt = [.. Symbols.OrderBy(_ => RandomNumberGenerator.GetInt32(int.MaxValue)).Take(Links)];
        return new PuzzleSpec(Connect, RandomNumberGenerator.GetInt32(int.MaxValue), [.. points.SelectMany(p => new[] { p.X, p.Y })], prompt);
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
