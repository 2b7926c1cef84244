namespace CrafyCaptcha.Server.Instrumentation;

/// <summary>
/// A small canvas painted with 3-6 opaque, pixel-aligned rectangles under four composite operations whose results are
/// exact integers (<c>source-over</c>, <c>destination-over</c>, <c>lighter</c>, <c>difference</c>: no edge is
/// anti-aliased, no alpha is blended), read back with <c>getImageData</c> and hashed through a <c>Uint32Array</c> over
/// its buffer. The hash is a fact, not a check: privacy tools (Brave, Safari's private browsing, Firefox's resist
/// fingerprinting) add noise to canvas reads on purpose, so a wrong hash is a reason of low weight, and no canvas at all
/// (a DOM without one) a reason of some weight (see <see cref="ProgramCheck"/>).
/// </summary>
internal static class CanvasStage
{
    private static readonly string[] Operations = ["source-over", "destination-over", "lighter", "difference"];

    /// <summary>
    /// Writes the stage into the program: the hash (or -1 without a 2D context, -2 when the canvas threw) lands in
    /// <paramref name="result"/>; returns the hash a browser computes.
    /// </summary>
    public static uint Write(ProgramWriter w, string result)
    {
        ProgramDraws r = w.Draws;
        int width = r.Between(6, 16), height = r.Between(3, 8), k = (int)r.Next() | 1;
        var pixels = new uint[width * height];
        string canvas = w.Names.Next(), context = w.Names.Next(), data = w.Names.Next(), i = w.Names.Next();
        w.Append("try{var ").Append(canvas).Append('=').Append(w.Document).Append(".createElement(\"canvas\");").Append(canvas).Append(".width=").Append(width).Append(';')
            .Append(canvas).Append(".height=").Append(height).Append(";var ").Append(context).Append('=').Append(canvas).Append(".getContext(\"2d\");")
            .Append(result).Append("=-1;if(").Append(context).Append("){");
        int fills = r.Between(3, 6);
        for (int f = 0; f < fills; f++)
        {
            string operation = r.Pick(Operations);
            int red = r.Below(256), green = r.Below(256), blue = r.Below(256);
            int x0 = r.Below(width), y0 = r.Below(height), x1 = r.Between(x0 + 1, width), y1 = r.Between(y0 + 1, height);
            w.Append(context).Append(".globalCompositeOperation=\"").Append(operation).Append("\";").Append(context).Append(".fillStyle=\"rgb(").Append(red).Append(',')
                .Append(green).Append(',').Append(blue).Append(")\";").Append(context).Append(".fillRect(").Append(x0).Append(',').Append(y0).Append(',')
                .Append(x1 - x0).Append(',').Append(y1 - y0).Append(");");
            for (int py = y0; py < y1; py++)
            {
                for (int px = x0; px < x1; px++)
                {
                    ref uint pixel = ref pixels[(py * width) + px];
                    pixel = Composite(operation, pixel, red, green, blue);
                }
            }
        }

        w.Append("var ").Append(data).Append("=new Uint32Array(").Append(context).Append(".getImageData(0,0,").Append(width).Append(',').Append(height).Append(").data.buffer);")
            .Append(result).Append("=0;for(var ").Append(i).Append("=0;").Append(i).Append('<').Append(data).Append(".length;").Append(i).Append("++){").Append(result)
            .Append("=Math.imul(").Append(result).Append('^').Append(data).Append('[').Append(i).Append("],").Append(k).Append(")}").Append(result).Append('=').Append(result)
            .Append(">>>0}}catch(_c){").Append(result).Append("=-2}");
        int hash = 0;
        foreach (uint pixel in pixels)
        {
            hash = unchecked((int)((uint)hash ^ pixel) * k);
        }

        return (uint)hash;
    }

    /// <summary>One opaque source pixel over a destination pixel (RGBA, red in the low byte as a little-endian Uint32Array reads it).</summary>
    private static uint Composite(string operation, uint destination, int red, int green, int blue)
    {
        bool empty = destination >> 24 == 0;
        int dr = (int)(destination & 0xFF), dg = (int)((destination >> 8) & 0xFF), db = (int)((destination >> 16) & 0xFF);
        (int r, int g, int b) = operation switch
        {
            _ when empty => (red, green, blue),
            "destination-over" => (dr, dg, db),
            "lighter" => (Math.Min(255, red + dr), Math.Min(255, green + dg), Math.Min(255, blue + db)),
            "difference" => (Math.Abs(red - dr), Math.Abs(green - dg), Math.Abs(blue - db)),
            _ => (red, green, blue),
        };
        return (uint)r | ((uint)g << 8) | ((uint)b << 16) | 0xFF000000u;
    }
}
