using System.Text.Json;

namespace CrafyCaptcha.Server.Risk;

/// <summary>
/// Judges the pointer or keyboard trail the iframe gathered while a person took an interactive step. The trail is
/// <c>{"kind": "pointer"|"touch"|"keyboard", "events": [[code, ms, x, y], …]}</c> with times in milliseconds since the
/// step was shown and codes 0 move, 1 pointer down, 2 pointer up, 3 key down, 4 key up (Space or Enter), 5 focus (the
/// control got the keyboard focus). A bare <c>"checkbox": true</c>, an empty trail, an activation sooner than a person
/// can read the step, a pointer that never moved, moved on a ruler-straight line or at a metronome's intervals, a press
/// of no duration, a key press on a control that never got the focus, or a trail longer than the server's own clock
/// allows (from the page being served to the answer arriving) is refused. This raises a script's cost; it does not
/// stop one that replays a recorded human trail at its real pace (see the README).
/// </summary>
internal static class InteractionEvidence
{
    public const int MaxEvents = 300;
    private const int Move = 0, Down = 1, Up = 2, KeyDown = 3, KeyUp = 4, Focus = 5;
    private static readonly TimeSpan MinimumReaction = TimeSpan.FromMilliseconds(250);

    /// <summary>The trail's kind as the answer gives it (<c>pointer</c>, <c>touch</c>, <c>keyboard</c>), or empty.</summary>
    public static string KindOf(JsonElement? trail)
        => trail is { ValueKind: JsonValueKind.Object } t && t.TryGetProperty("kind", out JsonElement k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : "";

    /// <summary><see langword="null"/> when the trail is plausible, else the reason it is not (for logs and metrics).</summary>
    /// <param name="trail">The trail the answer carries.</param>
    /// <param name="serverElapsed">The server's own time from serving the challenge page to receiving the answer: the
    /// trail, timed from when the step was shown (later than the page was served), cannot be longer.</param>
    public static string? Judge(JsonElement? trail, TimeSpan serverElapsed)
    {
        if (trail is not { ValueKind: JsonValueKind.Object } t
            || !t.TryGetProperty("events", out JsonElement eventsJson) || eventsJson.ValueKind != JsonValueKind.Array)
        {
            return "no_trail";
        }

        string kind = t.TryGetProperty("kind", out JsonElement k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : "";
        int count = eventsJson.GetArrayLength();
        if (count is 0 or > MaxEvents)
        {
            return "no_trail";
        }

        var events = new List<(int Code, double Ms, double X, double Y)>(count);
        double last = -1;
        foreach (JsonElement e in eventsJson.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 4
                || !e[0].TryGetInt32(out int code) || code is < Move or > Focus
                || !e[1].TryGetDouble(out double ms) || !e[2].TryGetDouble(out double x) || !e[3].TryGetDouble(out double y)
                || ms < last || ms > 3_600_000 || !double.IsFinite(x) || !double.IsFinite(y))
            {
                return "malformed_trail";
            }

            last = ms;
            events.Add((code, ms, x, y));
        }

        if (last > serverElapsed.TotalMilliseconds)
        {
            return "trail_outlasts_clock";
        }

        return kind switch
        {
            "keyboard" => JudgeKeyboard(events),
            "pointer" => JudgePointer(events, needsMovement: true),
            "touch" => JudgePointer(events, needsMovement: false),
            _ => "malformed_trail",
        };
    }

    private static string? JudgeKeyboard(List<(int Code, double Ms, double X, double Y)> events)
    {
        int down = events.FindIndex(e => e.Code == KeyDown);
        int up = down < 0 ? -1 : events.FindIndex(down, e => e.Code == KeyUp);
        if (down < 0 || up < 0)
        {
            return "no_activation";
        }

        // A key reaches a control only once it has the focus: a real keyboard pass shows the focus arriving before its
        // last key press (keys pressed earlier, such as the Tab that brought the focus, may come before it).
        if (events.FindIndex(0, events.FindLastIndex(e => e.Code == KeyDown), e => e.Code == Focus) < 0)
        {
            return "no_focus";
        }

        return Reaction(events[down].Ms) ?? Press(events[up].Ms - events[down].Ms);
    }

    private static string? JudgePointer(List<(int Code, double Ms, double X, double Y)> events, bool needsMovement)
    {
        int down = events.FindIndex(e => e.Code == Down);
        int up = down < 0 ? -1 : events.FindIndex(down, e => e.Code == Up);
        if (down < 0 || up < 0)
        {
            return "no_activation";
        }

        if (Reaction(events[down].Ms) is { } tooSoon)
        {
            return tooSoon;
        }

        if (Press(events[up].Ms - events[down].Ms) is { } press)
        {
            return press;
        }

        List<(int Code, double Ms, double X, double Y)> moves = events.Take(down).Where(e => e.Code == Move).ToList();
        if (!needsMovement)
        {
            return null;
        }

        if (moves.Count < 3)
        {
            return "no_movement";
        }

        // A hand may move straight for a while, or at the display's frame rate; a generated trail does both, or ticks
        // at exactly the same interval every time.
        double jitter = moves.Count >= 5 ? IntervalDeviation(moves) : double.MaxValue;
        if (jitter < 0.01)
        {
            return "constant_intervals";
        }

        if (moves.Count >= 5 && jitter < 2 && Straight(moves))
        {
            return "straight_line";
        }

        return null;
    }

    private static string? Reaction(double ms) => ms < MinimumReaction.TotalMilliseconds ? "too_fast" : null;

    private static string? Press(double ms) => ms is < 15 or > 5_000 ? "implausible_press" : null;

    /// <summary>Every point within half a pixel of the line through the first and last: drawn with a ruler.</summary>
    private static bool Straight(List<(int Code, double Ms, double X, double Y)> moves)
    {
        (double x0, double y0) = (moves[0].X, moves[0].Y);
        (double dx, double dy) = (moves[^1].X - x0, moves[^1].Y - y0);
        double length = Math.Sqrt((dx * dx) + (dy * dy));
        if (length < 1)
        {
            return moves.All(m => Math.Abs(m.X - x0) < 0.5 && Math.Abs(m.Y - y0) < 0.5);
        }

        return moves.All(m => Math.Abs((dy * (m.X - x0)) - (dx * (m.Y - y0))) / length < 0.5);
    }

    /// <summary>The standard deviation of the intervals between moves, in milliseconds.</summary>
    private static double IntervalDeviation(List<(int Code, double Ms, double X, double Y)> moves)
    {
        double[] intervals = new double[moves.Count - 1];
        for (int i = 1; i < moves.Count; i++)
        {
            intervals[i - 1] = moves[i].Ms - moves[i - 1].Ms;
        }

        double mean = intervals.Average();
        return Math.Sqrt(intervals.Sum(v => (v - mean) * (v - mean)) / intervals.Length);
    }
}
