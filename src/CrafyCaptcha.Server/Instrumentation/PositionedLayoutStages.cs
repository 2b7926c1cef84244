namespace CrafyCaptcha.Server.Instrumentation;

/// <summary>
/// Layout stages of boxes taken out of the flow: absolutely positioned boxes (insets from either side, percentages of
/// the containing block's padding box, <c>inset</c>, centring by a negative margin) and floats (left and right, lines
/// that fill and wrap, a block that clears them). Every size is a whole number of CSS pixels; floats share one height,
/// so where each lands is exact in every engine.
/// </summary>
internal static class PositionedLayoutStages
{
    private static readonly int[] Percentages = [10, 20, 25, 50, 75];

    /// <summary>2-4 absolutely positioned boxes in a host with padding: each one's offsets and size.</summary>
    public static void Positioned(ProgramWriter w)
    {
        ProgramDraws r = w.Draws;
        int padding = r.Between(0, 10);
        int width = 20 * r.Between(8, 16), height = 20 * r.Between(3, 10); // the padding box: percentages resolve against it
        string host = w.Host("display:block;box-sizing:content-box;width:" + P(width - (2 * padding)) + ";height:" + P(height - (2 * padding)) + ";padding:" + P(padding));
        int n = r.Between(2, 4);
        for (int i = 0; i < n; i++)
        {
            int a = r.Between(0, 40), b = r.Between(0, 40), c = r.Between(0, 20), d = r.Between(4, 30), e = r.Between(10, 60);
            int p = r.Pick(Percentages), q = r.Pick(Percentages);
            (string css, int left, int top, int boxWidth, int boxHeight) = r.Below(6) switch
            {
                0 => ("left:" + P(a) + ";right:" + P(b) + ";top:" + P(c) + ";height:" + P(d), a, c, width - a - b, d),
                1 => ("right:" + P(b) + ";width:" + P(e) + ";bottom:" + P(c) + ";height:" + P(d), width - b - e, height - c - d, e, d),
                2 => ("left:" + ProgramWriter.I(p) + "%;top:" + ProgramWriter.I(q) + "%;width:" + P(e) + ";height:" + P(d), width * p / 100, height * q / 100, e, d),
                3 => ("left:50%;margin-left:" + P(-e / 2) + ";width:" + P(2 * (e / 2)) + ";top:" + P(c) + ";height:" + P(d), (width / 2) - (e / 2), c, 2 * (e / 2), d),
                4 => ("inset:" + P(c) + " " + P(b) + " " + P(c / 2) + " " + P(a), a, c, width - a - b, height - c - (c / 2)),
                _ => ("right:" + ProgramWriter.I(p) + "%;width:" + P(e) + ";top:" + P(c) + ";height:" + P(d), width - (width * p / 100) - e, c, e, d),
            };
            string box = w.Child(host, "div", "position:absolute;margin-top:0;" + css);
            w.Read(w.Offset(box, host, top: false), left);
            w.Read(w.Offset(box, host, top: true), top);
            if (r.Coin())
            {
                w.Read(box + ".offsetWidth", boxWidth);
            }
            else
            {
                w.Read(box + ".offsetHeight", boxHeight);
            }
        }

        w.Read(host + ".offsetHeight", height);
        w.RemoveHost(host);
    }

    /// <summary>
    /// 3-6 floats of one height, left or right, with side margins, in a host of fixed width: they fill a line from both
    /// sides and wrap below it when the next does not fit; then, sometimes, a block that clears them. Each float's
    /// offsets, the clearing block's top and the host's height.
    /// </summary>
    public static void Floats(ProgramWriter w)
    {
        ProgramDraws r = w.Draws;
        int width = r.Between(160, 300), height = r.Between(6, 24), n = r.Between(3, 6);
        string host = w.Host("display:block;width:" + P(width));
        int leftEdge = 0, rightEdge = width, y = 0;
        bool lineEmpty = true;
        for (int i = 0; i < n; i++)
        {
            bool right = r.Below(3) == 0;
            int boxWidth = r.Between(20, 90), margin = r.Between(0, 6), outer = boxWidth + (2 * margin);
            if (!lineEmpty && outer > rightEdge - leftEdge)
            {
                y += height;
                leftEdge = 0;
                rightEdge = width;
            }

            int left;
            if (right)
            {
                left = rightEdge - outer + margin;
                rightEdge -= outer;
            }
            else
            {
                left = leftEdge + margin;
                leftEdge += outer;
            }

            lineEmpty = false;
            string box = w.Child(host, "div", "float:" + (right ? "right" : "left") + ";width:" + P(boxWidth) + ";height:" + P(height) + ";margin:0 " + P(margin));
            w.Read(w.Offset(box, host, top: false), left);
            w.Read(w.Offset(box, host, top: true), y);
        }

        int bottom = y + height;
        if (r.Coin())
        {
            int clearHeight = r.Between(2, 12);
            string clear = w.Child(host, "div", "clear:both;height:" + P(clearHeight));
            w.Read(w.Offset(clear, host, top: true), bottom);
            bottom += clearHeight;
        }

        w.Read(host + ".offsetHeight", bottom);
        w.RemoveHost(host);
    }

    private static string P(int pixels) => ProgramWriter.I(pixels) + "px";
}
