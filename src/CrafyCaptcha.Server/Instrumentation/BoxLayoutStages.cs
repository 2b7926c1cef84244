namespace CrafyCaptcha.Server.Instrumentation;

/// <summary>
/// Layout stages of boxes side by side: a box model (content-box or border-box with padding and margins), a
/// flex row (grow distribution, justification, gaps, <c>order</c>, <c>row-reverse</c>) and a grid (fixed and
/// <c>fr</c> tracks, gaps, a spanning item, auto placement onto rows). Every size is a whole number of CSS pixels
/// (free space is drawn as a multiple of what shares it), so every engine lays them out exactly as the engine predicts.
/// </summary>
internal static class BoxLayoutStages
{
    /// <summary>
    /// A box with fixed width and padding (content-box or border-box) holding a block of auto width with padding and
    /// side margins: both widths, the block's height, its offset inside the box and the box's height. No borders:
    /// browsers round a border's width down to whole device pixels (at 90 % zoom a 3 px border is 2.67 px), so a sum of
    /// borders is not exact at every zoom.
    /// </summary>
    public static void Box(ProgramWriter w)
    {
        ProgramDraws r = w.Draws;
        bool borderBox = r.Coin();
        int width = r.Between(140, 320), padding = r.Between(0, 16);
        int margin = r.Between(0, 20), innerPadding = r.Between(0, 14), height = r.Between(10, 60);
        string box = w.Host("display:block;box-sizing:" + (borderBox ? "border-box" : "content-box") + ";width:" + P(width) + ";height:auto;padding:" + P(padding));
        string inner = w.Child(box, "div", "display:block;box-sizing:content-box;width:auto;height:" + P(height) + ";margin:0 " + P(margin) + ";padding:" + P(innerPadding));
        int outer = borderBox ? width : width + (2 * padding);
        int content = outer - (2 * padding);
        int innerHeight = height + (2 * innerPadding);
        w.Read(box + ".offsetWidth", outer);
        w.Read(inner + ".offsetWidth", content - (2 * margin));
        w.Read("Math.round(" + inner + ".getBoundingClientRect().height)", innerHeight);
        w.Read(w.Offset(inner, box, top: false), padding + margin);
        w.Read(box + ".offsetHeight", innerHeight + (2 * padding));
        w.RemoveHost(box);
    }

    /// <summary>
    /// A flex row (or <c>row-reverse</c>) of 2-4 empty items with a basis, a grow factor, side margins and sometimes an
    /// <c>order</c>: grown (free space a multiple of the grow factors' sum) or justified (<c>space-between</c>,
    /// <c>center</c>, <c>flex-end</c>), with a column gap. Each item's width and offset, and the row's height.
    /// </summary>
    public static void Flex(ProgramWriter w)
    {
        ProgramDraws r = w.Draws;
        int n = r.Between(2, 4), gap = r.Between(0, 12);
        bool reverse = r.Coin();
        string justify = r.Pick(["grow", "space-between", "center", "flex-end"]);
        var basis = new int[n];
        var margin = new int[n];
        var height = new int[n];
        var grow = new int[n];
        var order = new int[n];
        int fixedSpace = gap * (n - 1);
        for (int i = 0; i < n; i++)
        {
            basis[i] = r.Between(10, 60);
            margin[i] = r.Between(0, 8);
            height[i] = r.Between(4, 40);
            grow[i] = justify == "grow" ? r.Between(0, 3) : 0;
            order[i] = r.Below(3) == 0 ? r.Between(-1, 2) : 0;
            fixedSpace += basis[i] + (2 * margin[i]);
        }

        if (justify == "grow" && grow.Sum() == 0)
        {
            grow[r.Below(n)] = r.Between(1, 3);
        }

        int unit = r.Between(1, 12);
        int free = justify switch
        {
            "grow" => unit * grow.Sum(),
            "space-between" => unit * (n - 1),
            "center" => 2 * unit,
            _ => r.Between(2, 60),
        };
        int width = fixedSpace + free;
        string host = w.Host("display:flex;flex-direction:" + (reverse ? "row-reverse" : "row") + ";justify-content:" + (justify == "grow" ? "flex-start" : justify)
            + ";align-items:flex-start;column-gap:" + P(gap) + ";width:" + P(width));
        var items = new string[n];
        for (int i = 0; i < n; i++)
        {
            items[i] = w.Child(host, "div", "flex:" + ProgramWriter.I(grow[i]) + " 0 " + P(basis[i]) + ";height:" + P(height[i]) + ";margin:0 " + P(margin[i])
                + (order[i] != 0 ? ";order:" + ProgramWriter.I(order[i]) : ""));
        }

        // Items in order of (order, source position), from main start: the left edge, or the right one in row-reverse.
        var widths = new int[n];
        var lefts = new int[n];
        int start = justify switch { "center" => unit, "flex-end" => free, _ => 0 };
        int between = gap + (justify == "space-between" ? unit : 0);
        int cursor = start;
        foreach (int i in Enumerable.Range(0, n).OrderBy(i => order[i]).ThenBy(i => i))
        {
            widths[i] = basis[i] + (justify == "grow" ? unit * grow[i] : 0);
            int fromStart = cursor + margin[i];
            lefts[i] = reverse ? width - fromStart - widths[i] : fromStart;
            cursor += (2 * margin[i]) + widths[i] + between;
        }

        for (int i = 0; i < n; i++)
        {
            w.Read(items[i] + ".offsetWidth", widths[i]);
            w.Read(w.Offset(items[i], host, top: false), lefts[i]);
        }

        w.Read(host + ".offsetHeight", height.Max());
        w.RemoveHost(host);
    }

    /// <summary>
    /// A grid of 2-4 columns (fixed or 1-3 <c>fr</c>, the free space a multiple of the fractions' sum), column and row gaps,
    /// and items of fixed height placed automatically (the first may span two columns): each item's offsets and width,
    /// and the grid's height (rows as tall as their tallest item).
    /// </summary>
    public static void Grid(ProgramWriter w)
    {
        ProgramDraws r = w.Draws;
        int columns = r.Between(2, 4), gap = r.Between(0, 10), rowGap = r.Between(0, 10), unit = r.Between(2, 15);
        var fixedWidth = new int[columns];
        var fraction = new int[columns];
        for (int c = 0; c < columns; c++)
        {
            if (r.Coin())
            {
                fixedWidth[c] = r.Between(10, 60);
            }
            else
            {
                fraction[c] = r.Between(1, 3);
            }
        }

        if (fraction.Sum() == 0)
        {
            int c = r.Below(columns);
            fixedWidth[c] = 0;
            fraction[c] = r.Between(1, 3);
        }

        var track = new int[columns];
        for (int c = 0; c < columns; c++)
        {
            track[c] = fraction[c] > 0 ? unit * fraction[c] : fixedWidth[c];
        }

        int width = track.Sum() + (gap * (columns - 1));
        string template = string.Join(' ', Enumerable.Range(0, columns).Select(c => fraction[c] > 0 ? ProgramWriter.I(fraction[c]) + "fr" : P(fixedWidth[c])));
        string host = w.Host("display:grid;grid-template-columns:" + template + ";column-gap:" + P(gap) + ";row-gap:" + P(rowGap) + ";width:" + P(width));
        int count = r.Between(columns + 1, 2 * columns);
        bool span = r.Coin();
        var rowHeights = new List<int>();
        var reads = new List<(string Expression, int Expected)>();
        int row = 0, column = 0;
        for (int i = 0; i < count; i++)
        {
            int s = i == 0 && span ? 2 : 1, height = r.Between(4, 30);
            if (column + s > columns)
            {
                row++;
                column = 0;
            }

            string item = w.Child(host, "div", "height:" + P(height) + (s == 2 ? ";grid-column:span 2" : ""));
            if (rowHeights.Count == row)
            {
                rowHeights.Add(0);
            }

            rowHeights[row] = Math.Max(rowHeights[row], height);
            int left = track.Take(column).Sum() + (gap * column);
            int itemWidth = track.Skip(column).Take(s).Sum() + (gap * (s - 1));
            if (r.Below(3) != 0)
            {
                reads.Add((w.Offset(item, host, top: false), left));
                reads.Add((item + ".offsetWidth", itemWidth));
            }

            // Rows above this one are complete: their heights are known.
            reads.Add((w.Offset(item, host, top: true), rowHeights.Take(row).Sum() + (rowGap * row)));
            column += s;
            if (column == columns)
            {
                row++;
                column = 0;
            }
        }

        foreach ((string expression, int expected) in reads)
        {
            w.Read(expression, expected);
        }

        w.Read(host + ".offsetHeight", rowHeights.Sum() + (rowGap * (rowHeights.Count - 1)));
        w.RemoveHost(host);
    }

    private static string P(int pixels) => ProgramWriter.I(pixels) + "px";
}
