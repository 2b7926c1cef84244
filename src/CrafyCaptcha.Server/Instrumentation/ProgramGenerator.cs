using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace CrafyCaptcha.Server.Instrumentation;

/// <summary>
/// What a flow's program must return, kept with the flow record only (never sent): the integer chain's values, exact,
/// and the layout reads in CSS pixels, within <see cref="ProgramCheck"/>'s tolerance.
/// </summary>
internal sealed record ProgramExpectation(
    [property: JsonPropertyName("v")] uint[] Values,
    [property: JsonPropertyName("l")] int[] Layout);

/// <summary>A generated program: the script the iframe loads once, and what it must answer.</summary>
internal sealed record GeneratedProgram(string Script, ProgramExpectation Expected);

/// <summary>
/// Writes, per flow, a JavaScript program never sent before (every number, name, tag and the order of its stages drawn
/// from a fresh 256-bit seed, expanded with SHA-256 in counter mode, so that the engine state keeps the 32-byte seed until
/// the program is fetched, not the script) and computes what it returns: integer chains in 32-bit arithmetic (<c>|0</c>, <c>&gt;&gt;&gt;</c>,
/// <c>Math.imul</c>, so JavaScript and C# agree exactly) fed by DOM work (a tree of elements is built, walked, counted
/// and serialised), and layout reads (<c>offsetWidth</c>, <c>getBoundingClientRect</c>) of boxes whose sizes it fixed
/// with inline styles (no text, so no font enters the numbers). At the end it gathers a few browser facts that the
/// engine judges (<see cref="BrowserFacts"/>), and hands everything to the challenge page as the DOM event
/// <c>crafy-program</c>.
/// </summary>
internal static class ProgramGenerator
{
    /// <summary>The DOM event the program dispatches on <c>document</c> with its result.</summary>
    public const string EventName = "crafy-program";

    private static readonly string[] Tags = ["div", "span", "p", "b", "i", "em", "section", "ul", "li", "small"];

    /// <summary>The size of a program's seed.</summary>
    public const int SeedSize = 32;

    /// <summary>A new program from fresh randomness.</summary>
    public static GeneratedProgram Generate() => Generate(RandomNumberGenerator.GetBytes(SeedSize));

    /// <summary>The program of <paramref name="seed"/>: the same seed always writes the same program.</summary>
    public static GeneratedProgram Generate(ReadOnlySpan<byte> seed)
    {
        var r = new Draws(seed);
        var names = new Names(r);
        var js = new StringBuilder(4096);
        var values = new List<uint>(8);
        var layout = new List<int>(12);
        string d = names.Next(), o = names.Next(), l = names.Next(), x = names.Next(), y = names.Next(), f = names.Next(), e = names.Next();
        int xv = (int)r.Next(), yv = (int)r.Next();

        // Stages: two DOM trees, two layout boxes and 8-12 arithmetic steps, in a random order.
        var stages = new List<int> { 1, 1, 2, 2 };
        int arithmetic = r.Between(8, 12);
        for (int i = 0; i < arithmetic; i++)
        {
            stages.Add(0);
        }

        for (int i = stages.Count - 1; i > 0; i--)
        {
            int j = r.Below(i + 1);
            (stages[i], stages[j]) = (stages[j], stages[i]);
        }

        js.Append("(function(){\"use strict\";var ").Append(d).Append("=document,").Append(o).Append("=[],").Append(l).Append("=[],")
            .Append(x).Append('=').Append(I(xv)).Append(',').Append(y).Append('=').Append(I(yv)).Append(";try{");
        foreach (int stage in stages)
        {
            switch (stage)
            {
                case 0:
                    Arithmetic(r, js, x, y, ref xv, ref yv);
                    break;
                case 1:
                    Tree(r, names, js, d, x, ref xv);
                    js.Append(o).Append(".push(").Append(x).Append(">>>0);");
                    values.Add((uint)xv);
                    break;
                default:
                    Layout(r, names, js, d, l, layout);
                    break;
            }
        }

        js.Append(o).Append(".push(").Append(x).Append(">>>0,").Append(y).Append(">>>0);");
        values.Add((uint)xv);
        values.Add((uint)yv);
        Facts(names, js, f);
        js.Append(d).Append(".dispatchEvent(new CustomEvent(\"").Append(EventName).Append("\",{detail:{v:").Append(o).Append(",l:").Append(l).Append(",f:").Append(f).Append("}}))}catch(")
            .Append(e).Append("){").Append(d).Append(".dispatchEvent(new CustomEvent(\"").Append(EventName).Append("\",{detail:{error:String(").Append(e).Append("&&").Append(e).Append(".name)}}))}})();");
        return new GeneratedProgram(js.ToString(), new ProgramExpectation([.. values], [.. layout]));
    }

    private static void Arithmetic(Draws r, StringBuilder js, string x, string y, ref int xv, ref int yv)
    {
        int k = (int)r.Next() | 1;
        int s = r.Between(1, 31);
        switch (r.Below(8))
        {
            case 0:
                js.Append(x).Append("=Math.imul(").Append(x).Append(',').Append(I(k)).Append(")|0;");
                xv = unchecked(xv * k);
                break;
            case 1:
                js.Append(x).Append("=(").Append(x).Append('+').Append(I(k)).Append(")|0;");
                xv = unchecked(xv + k);
                break;
            case 2:
                js.Append(x).Append("=(").Append(x).Append('^').Append(I(k)).Append(")|0;");
                xv ^= k;
                break;
            case 3:
                js.Append(x).Append("=(").Append(x).Append("^(").Append(x).Append(">>>").Append(I(s)).Append("))|0;");
                xv ^= (int)((uint)xv >> s);
                break;
            case 4:
                js.Append(x).Append("=(").Append(x).Append("<<").Append(I(s)).Append('|').Append(x).Append(">>>").Append(I(32 - s)).Append(")|0;");
                xv = (int)BitOperations.RotateLeft((uint)xv, s);
                break;
            case 5:
                js.Append(y).Append("=(").Append(y).Append("+Math.imul(").Append(x).Append(',').Append(I(k)).Append("))|0;");
                yv = unchecked(yv + (xv * k));
                break;
            case 6:
                js.Append(x).Append("=(").Append(x).Append('-').Append(y).Append(")|0;");
                xv = unchecked(xv - yv);
                break;
            default:
                js.Append(x).Append("=Math.imul(").Append(x).Append('^').Append(y).Append(',').Append(I(k)).Append(")|0;");
                xv = unchecked((xv ^ yv) * k);
                break;
        }
    }

    /// <summary>Builds a detached tree of 2-5 elements (some with a child), walks it, counts a tag and serialises it.</summary>
    private static void Tree(Draws r, Names names, StringBuilder js, string d, string x, ref int xv)
    {
        string root = names.Next(), c = names.Next(), g = names.Next(), n = names.Next();
        int children = r.Between(2, 5);
        int multiplier = (int)r.Next() | 1, tagWeight = r.Between(3, 97);
        js.Append("var ").Append(root).Append('=').Append(d).Append(".createElement(\"div\"),").Append(c).Append(',').Append(g).Append(';');
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        int htmlLength = 0;
        var walk = new List<(int Key, int TagLength, int TextLength)>(children);
        for (int i = 0; i < children; i++)
        {
            string tag = Tags[r.Below(Tags.Length)];
            int key = r.Between(0, 99_999);
            string word = Word(r);
            js.Append(c).Append('=').Append(d).Append(".createElement(\"").Append(tag).Append("\");")
                .Append(c).Append(".setAttribute(\"data-k\",\"").Append(I(key)).Append("\");")
                .Append(c).Append(".textContent=\"").Append(word).Append("\";");
            counts[tag] = counts.GetValueOrDefault(tag) + 1;
            int textLength = word.Length;
            htmlLength += 1 + tag.Length + " data-k=\"".Length + I(key).Length + 2 + word.Length + 3 + tag.Length;
            if (r.Below(2) == 0)
            {
                string inner = Tags[r.Below(Tags.Length)], innerWord = Word(r);
                js.Append(g).Append('=').Append(d).Append(".createElement(\"").Append(inner).Append("\");")
                    .Append(g).Append(".textContent=\"").Append(innerWord).Append("\";")
                    .Append(c).Append(".appendChild(").Append(g).Append(");");
                counts[inner] = counts.GetValueOrDefault(inner) + 1;
                textLength += innerWord.Length;
                htmlLength += 2 + inner.Length + innerWord.Length + 3 + inner.Length;
            }

            js.Append(root).Append(".appendChild(").Append(c).Append(");");
            walk.Add((key, tag.Length, textLength));
        }

        js.Append("for(var ").Append(n).Append('=').Append(root).Append(".firstElementChild;").Append(n).Append(';').Append(n).Append('=').Append(n).Append(".nextElementSibling){")
            .Append(x).Append("=(Math.imul(").Append(x).Append(',').Append(I(multiplier)).Append(")+(").Append(n).Append(".getAttribute(\"data-k\")|0)+Math.imul(")
            .Append(n).Append(".tagName.length,").Append(I(tagWeight)).Append(")+").Append(n).Append(".textContent.length)|0}");
        foreach ((int key, int tagLength, int textLength) in walk)
        {
            xv = unchecked((xv * multiplier) + key + (tagLength * tagWeight) + textLength);
        }

        string counted = Tags[r.Below(Tags.Length)];
        int countWeight = r.Between(2, 9973);
        js.Append(x).Append("=(").Append(x).Append("^(Math.imul(").Append(root).Append(".getElementsByTagName(\"").Append(counted).Append("\").length,").Append(I(countWeight))
            .Append(")+").Append(root).Append(".childElementCount))|0;")
            .Append(x).Append("=(").Append(x).Append('+').Append(root).Append(".innerHTML.length)|0;");
        xv = unchecked((xv ^ ((counts.GetValueOrDefault(counted) * countWeight) + children)) + htmlLength);
    }

    /// <summary>
    /// A box with fixed width, padding and border (content-box or border-box) holding a block of auto width: the engine
    /// predicts both widths, the block's height, its offset inside the box and the box's height.
    /// </summary>
    private static void Layout(Draws r, Names names, StringBuilder js, string d, string l, List<int> expected)
    {
        string box = names.Next(), inner = names.Next(), a = names.Next(), z = names.Next();
        bool borderBox = r.Below(2) == 0;
        int width = r.Between(140, 320), padding = r.Between(0, 12), border = r.Between(0, 4);
        int margin = r.Between(0, 20), innerPadding = r.Between(0, 10), innerBorder = r.Between(0, 4), height = r.Between(10, 60);
        js.Append("var ").Append(box).Append('=').Append(d).Append(".createElement(\"div\"),").Append(inner).Append('=').Append(d).Append(".createElement(\"div\");")
            .Append(box).Append(".style.cssText=\"position:absolute;left:-10000px;top:0;visibility:hidden;display:block;box-sizing:").Append(borderBox ? "border-box" : "content-box")
            .Append(";width:").Append(I(width)).Append("px;height:auto;padding:").Append(I(padding)).Append("px;border:").Append(I(border)).Append("px solid transparent;margin:0\";")
            .Append(inner).Append(".style.cssText=\"display:block;box-sizing:content-box;width:auto;height:").Append(I(height)).Append("px;margin:0 ").Append(I(margin))
            .Append("px;padding:").Append(I(innerPadding)).Append("px;border:").Append(I(innerBorder)).Append("px solid transparent\";")
            .Append(box).Append(".appendChild(").Append(inner).Append(");").Append(d).Append(".body.appendChild(").Append(box).Append(");")
            .Append("var ").Append(a).Append('=').Append(box).Append(".getBoundingClientRect(),").Append(z).Append('=').Append(inner).Append(".getBoundingClientRect();")
            .Append(l).Append(".push(").Append(box).Append(".offsetWidth,").Append(inner).Append(".offsetWidth,Math.round(").Append(z).Append(".height),Math.round(")
            .Append(z).Append(".left-").Append(a).Append(".left),").Append(box).Append(".offsetHeight);")
            .Append(d).Append(".body.removeChild(").Append(box).Append(");");
        int outer = borderBox ? width : width + (2 * padding) + (2 * border);
        int content = outer - (2 * padding) - (2 * border);
        int innerHeight = height + (2 * innerPadding) + (2 * innerBorder);
        expected.Add(outer);
        expected.Add(content - (2 * margin));
        expected.Add(innerHeight);
        expected.Add(border + padding + margin);
        expected.Add(innerHeight + (2 * padding) + (2 * border));
    }

    /// <summary>
    /// The browser facts (judged by the engine, see <see cref="BrowserFacts"/>): <c>wd</c> navigator.webdriver (0 false,
    /// 1 true, 2 deleted), <c>ua</c> HeadlessChrome in navigator.userAgent, screen and outer window sizes, plugin, MIME
    /// type and language counts, and <c>nt</c> how many native functions no longer say <c>[native code]</c>.
    /// </summary>
    private static void Facts(Names names, StringBuilder js, string f)
    {
        string n = names.Next(), s = names.Next(), t = names.Next(), k = names.Next(), w = names.Next();
        js.Append("var ").Append(n).Append("=navigator,").Append(s).Append("=screen,").Append(t).Append("=Function.prototype.toString,").Append(k).Append("=0,")
            .Append(w).Append("=[").Append(t).Append(",HTMLCanvasElement.prototype.toDataURL,HTMLCanvasElement.prototype.getContext,Element.prototype.getBoundingClientRect,")
            .Append("(Object.getOwnPropertyDescriptor(HTMLElement.prototype,\"offsetWidth\")||{}).get,(Object.getOwnPropertyDescriptor(Navigator.prototype,\"webdriver\")||{}).get];")
            .Append("for(var i=0;i<").Append(w).Append(".length;i++){try{if(typeof ").Append(w).Append("[i]===\"function\"&&!/\\[native code\\]\\s*\\}\\s*$/.test(").Append(t).Append(".call(")
            .Append(w).Append("[i]))){").Append(k).Append("++}}catch(_e){").Append(k).Append("++}}")
            .Append("var ").Append(f).Append("={wd:(\"webdriver\" in ").Append(n).Append(")?(").Append(n).Append(".webdriver===true?1:0):2,ua:/HeadlessChrome/.test(").Append(n).Append(".userAgent)?1:0,")
            .Append("sw:").Append(s).Append(".width|0,sh:").Append(s).Append(".height|0,ow:window.outerWidth|0,oh:window.outerHeight|0,")
            .Append("pl:").Append(n).Append(".plugins?").Append(n).Append(".plugins.length:-1,mt:").Append(n).Append(".mimeTypes?").Append(n).Append(".mimeTypes.length:-1,")
            .Append("lg:").Append(n).Append(".languages?").Append(n).Append(".languages.length:-1,nt:").Append(k).Append("};");
    }

    private static string Word(Draws r)
    {
        Span<char> chars = stackalloc char[r.Between(1, 9)];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)('a' + r.Below(26));
        }

        return new string(chars);
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A program's random numbers: SHA-256 of the seed and a block counter, 32 bytes at a time.</summary>
    private sealed class Draws
    {
        private readonly byte[] _input = new byte[SeedSize + 4];
        private readonly byte[] _buffer = new byte[32];
        private uint _block;
        private int _at = 32;

        public Draws(ReadOnlySpan<byte> seed)
        {
            if (seed.Length != SeedSize)
            {
                throw new ArgumentException($"A program's seed has {SeedSize} bytes.", nameof(seed));
            }

            seed.CopyTo(_input);
        }

        public uint Next()
        {
            if (_at + 4 > _buffer.Length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(_input.AsSpan(SeedSize), _block++);
                SHA256.HashData(_input, _buffer);
                _at = 0;
            }

            uint value = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_at));
            _at += 4;
            return value;
        }

        public int Below(int n) => (int)(Next() % (uint)n);

        public int Between(int low, int high) => low + Below(high - low + 1);
    }

    /// <summary>Fresh identifiers for the program's variables (an underscore and four to six letters or digits: never a keyword).</summary>
    private sealed class Names(Draws r)
    {
        private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public string Next()
        {
            Span<char> buffer = stackalloc char[7];
            while (true)
            {
                Span<char> chars = buffer[..(1 + r.Between(4, 6))];
                chars[0] = '_';
                for (int i = 1; i < chars.Length; i++)
                {
                    chars[i] = Alphabet[r.Below(Alphabet.Length)];
                }

                string name = new(chars);
                if (_used.Add(name))
                {
                    return name;
                }
            }
        }
    }
}
