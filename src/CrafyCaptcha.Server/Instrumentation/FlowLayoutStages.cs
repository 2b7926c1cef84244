namespace CrafyCaptcha.Server.Instrumentation;

/// <summary>
/// Layout stages of blocks: widths from CSS values a sum of inline styles does not resolve (<c>calc()</c>, <c>%</c>,
/// <c>em</c> of an inherited and of a scaled font size, <c>min()</c>, <c>max()</c>, <c>clamp()</c>, percentage margins
/// and padding, border-box), read through layout and through <c>getComputedStyle</c>; and blocks stacked in normal
/// flow, whose offsets follow margin collapsing (siblings, empty blocks, parent and child, negative margins) and the
/// browsers' default styles (<c>p</c>, <c>ul</c>, <c>blockquote</c>, <c>figure</c>), read through layout and through a
/// <c>Range</c>. Every value is a whole number of CSS pixels.
/// </summary>
internal static class FlowLayoutStages
{
    private static readonly int[] Percentages = [10, 20, 25, 40, 50, 60, 75, 80];
    private static readonly int[] MarginPercentages = [5, 10, 15, 20, 25];

    /// <summary>2-4 blocks in a box of width 20·k px and font size F px, each sized by one of nine CSS forms.</summary>
    public static void Sizing(ProgramWriter w)
    {
        ProgramDraws r = w.Draws;
        int width = 20 * r.Between(8, 20), font = 2 * r.Between(8, 15), n = r.Between(2, 4);
        string host = w.Host("display:block;width:" + P(width) + ";font-size:" + P(font));
        int Percent(int p) => width * p / 100;
        for (int i = 0; i < n; i++)
        {
            int p = r.Pick(Percentages), a = r.Between(1, 8), px = r.Between(0, 30);
            int form = r.Below(9);
            (string css, int expected) = form switch
            {
                0 => ("width:calc(" + ProgramWriter.I(p) + "% + " + P(px - 10) + ")", Percent(p) + px - 10),
                1 => ("width:calc(" + ProgramWriter.I(a) + "em + " + P(px) + ")", (a * font) + px),
                2 => ("width:min(" + ProgramWriter.I(p) + "%," + ProgramWriter.I(a) + "em)", Math.Min(Percent(p), a * font)),
                3 => ("width:max(" + ProgramWriter.I(p) + "%," + P(40 + (px * 9)) + ")", Math.Max(Percent(p), 40 + (px * 9))),
                4 => ("width:clamp(" + P(20 + px) + "," + ProgramWriter.I(p) + "%," + P(40 + (px * 5)) + ")", Math.Clamp(Percent(p), 20 + px, 40 + (px * 5))),
                5 => ("font-size:1.5em;width:" + ProgramWriter.I(a) + "em", a * font * 3 / 2),
                6 => ("margin:0 " + ProgramWriter.I(MarginPercentages[a % MarginPercentages.Length]) + "%", width - (2 * Percent(MarginPercentages[a % MarginPercentages.Length]))),
                7 => ("padding-left:" + ProgramWriter.I(p) + "%;width:" + P(px + 20), px + 20 + Percent(p)),
                _ => ("box-sizing:border-box;width:" + ProgramWriter.I(p) + "%;padding:0 " + ProgramWriter.I(a % 3) + "em", Math.Max(Percent(p), 2 * (a % 3) * font)),
            };
            string block = w.Child(host, "div", "display:block;height:2px;" + css);
            bool em = form is 1 or 2 or 5 or 8;
            w.Read(block + ".offsetWidth", expected, em);
            if (form <= 4 && r.Coin())
            {
                // The resolved value of width is the used one: a browser has computed the expression, a shim has the text.
                w.Read("Math.round(parseFloat(getComputedStyle(" + block + ").width))", expected, em);
            }
            else if (form == 5)
            {
                // The font size a child inherits is the computed one (1.5 × the box's), not the text "1.5em".
                string inner = w.Child(block, "div", "");
                w.Read("Math.round(parseFloat(getComputedStyle(" + inner + ").fontSize))", font * 3 / 2, fontDependent: true);
            }
            else if (form == 6)
            {
                w.Read(w.Offset(block, host, top: false), Percent(MarginPercentages[a % MarginPercentages.Length]));
            }
        }

        w.RemoveHost(host);
    }

    /// <summary>
    /// 3-5 blocks stacked in a block formatting context (the host, absolutely positioned): plain blocks with vertical
    /// margins (some negative), paragraphs with their default 1em margins, empty blocks whose margins collapse through,
    /// a wrapper whose margins collapse with its child's, and a list, quote or figure (default 1em margins, 40 px
    /// indent) holding a block. Each visible block's top (one through a <c>Range</c>), indents, and the host's height.
    /// </summary>
    public static void Flow(ProgramWriter w)
    {
        ProgramDraws r = w.Draws;
        int width = r.Between(200, 320), font = r.Between(12, 30), n = r.Between(3, 5);
        string host = w.Host("display:block;width:" + P(width) + ";font-size:" + P(font));
        string range = w.Names.Next();
        w.Append("var ").Append(range).Append(';');
        int rangeAt = r.Below(n);
        var pending = new List<int>();
        int y = 0;
        var reads = new List<(string Expression, int Expected, bool FontDependent)>();
        bool em = false; // from the first default 1em margin on, every offset below depends on the font size
        void Top(string element, int top, bool throughRange)
            => reads.Add((throughRange
                ? "(" + range + "=" + w.Document + ".createRange()," + range + ".selectNode(" + element + "),Math.round(" + range + ".getBoundingClientRect().top-" + host + ".getBoundingClientRect().top))"
                : w.Offset(element, host, top: true), top, em));

        for (int i = 0; i < n; i++)
        {
            int h = r.Between(3, 30), a = r.Between(0, 30), b = r.Between(0, 30);
            bool last = i == n - 1;
            switch (r.Below(5))
            {
                case 0:
                    if (!last && r.Below(4) == 0)
                    {
                        b = -r.Between(1, 10);
                    }

                    string block = w.Child(host, "div", "display:block;height:" + P(h) + ";margin:" + P(a) + " 0 " + P(b));
                    pending.Add(a);
                    y += Collapse(pending);
                    Top(block, y, i == rangeAt);
                    y += h;
                    pending = [b];
                    break;
                case 1:
                    string paragraph = w.Child(host, "p", "height:" + P(h));
                    em = true;
                    pending.Add(font);
                    y += Collapse(pending);
                    Top(paragraph, y, i == rangeAt);
                    y += h;
                    pending = [font];
                    break;
                case 2:
                    w.Child(host, "div", "display:block;height:0;margin:" + P(a) + " 0 " + P(b));
                    pending.Add(a);
                    pending.Add(b);
                    break;
                case 3:
                    int c = r.Between(0, 30), d = r.Between(0, 30);
                    string wrapper = w.Child(host, "div", "display:block;margin:" + P(a) + " 0 " + P(d));
                    string child = w.Child(wrapper, "div", "display:block;height:" + P(h) + ";margin:" + P(b) + " 0 " + P(c));
                    pending.Add(a);
                    pending.Add(b);
                    y += Collapse(pending);
                    Top(child, y, i == rangeAt);
                    y += h;
                    pending = [c, d];
                    break;
                default:
                    string outer = w.Child(host, r.Pick(["ul", "blockquote", "figure"]), "");
                    string content = w.Child(outer, "div", "display:block;height:" + P(h));
                    em = true;
                    pending.Add(font);
                    y += Collapse(pending);
                    Top(content, y, i == rangeAt);
                    reads.Add((w.Offset(content, host, top: false), 40, false));
                    y += h;
                    pending = [font];
                    break;
            }
        }

        foreach ((string expression, int expected, bool fontDependent) in reads)
        {
            w.Read(expression, expected, fontDependent);
        }

        w.Read(host + ".offsetHeight", y + Collapse(pending), em);
        w.RemoveHost(host);
    }

    /// <summary>Adjoining margins collapse to the largest positive one plus the most negative one (CSS 2.1 §8.3.1).</summary>
    private static int Collapse(List<int> margins)
    {
        int positive = 0, negative = 0;
        foreach (int m in margins)
        {
            positive = Math.Max(positive, m);
            negative = Math.Min(negative, m);
        }

        return positive + negative;
    }

    private static string P(int pixels) => ProgramWriter.I(pixels) + "px";
}
