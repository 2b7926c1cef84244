using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CrafyCaptcha.Server.Instrumentation;

/// <summary>
/// What a program's stages share while it is written: the script, its random draws and fresh names, the values and
/// layout reads it will return, and the two 32-bit registers (<see cref="X"/>, <see cref="Y"/>) the integer chain runs in,
/// in JavaScript and, exactly, in C# (<see cref="XValue"/>, <see cref="YValue"/>).
/// </summary>
internal sealed class ProgramWriter : IDisposable
{
    private readonly Dictionary<string, string> _classOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _children = new(StringComparer.Ordinal);

    // An element's style while Style writes it: inline, its rule, its decoys (cleared for each element).
    private readonly StringBuilder _inline = new(256), _rule = new(256), _decoys = new(128);

    /// <param name="seed">The program's seed.</param>
    public ProgramWriter(ReadOnlySpan<byte> seed)
    {
        Js = new StringBuilder(12_288);
        Draws = new ProgramDraws(seed);
        Names = new ProgramNames(Draws);
        Document = Names.Next();
        Values = Names.Next();
        LayoutReads = Names.Next();
        X = Names.Next();
        Y = Names.Next();
        Relative = Names.Next();
        Sheet = Names.Next();
        XValue = (int)Draws.Next();
        YValue = (int)Draws.Next();
    }

    public ProgramDraws Draws { get; }

    public ProgramNames Names { get; }

    public StringBuilder Js { get; }

    /// <summary>The expected integers, in the order the program pushes them.</summary>
    public List<uint> ExpectedValues { get; } = new(8);

    /// <summary>The expected layout reads (CSS pixels), in the order the program pushes them.</summary>
    public List<int> ExpectedLayout { get; } = new(48);

    /// <summary>The indexes of the layout reads that depend on a font size (<c>em</c>, default 1em margins).</summary>
    public List<int> FontDependent { get; } = [];

    /// <summary>The program's name for <c>document</c>.</summary>
    public string Document { get; }

    /// <summary>The array of integers the program returns (<c>v</c>).</summary>
    public string Values { get; }

    /// <summary>The array of layout reads the program returns (<c>l</c>).</summary>
    public string LayoutReads { get; }

    public string X { get; }

    public string Y { get; }

    /// <summary>
    /// A function of the program's, <c>(a, b, top)</c>: the rounded distance from <c>b</c>'s border box to <c>a</c>'s,
    /// horizontally or (<c>top</c> true) vertically.
    /// </summary>
    public string Relative { get; }

    public int XValue { get; set; }

    public int YValue { get; set; }

    public ProgramWriter Append(string text)
    {
        Js.Append(text);
        return this;
    }

    /// <summary>A number as JavaScript reads it, whatever the server's culture (StringBuilder.Append(int) would use its minus sign).</summary>
    public ProgramWriter Append(int value)
    {
        Js.Append(CultureInfo.InvariantCulture, $"{value}");
        return this;
    }

    public ProgramWriter Append(char c)
    {
        Js.Append(c);
        return this;
    }

    /// <summary>
    /// Folds a JavaScript integer expression into <see cref="X"/>: <c>x = imul(x, k) + expression</c>, with
    /// <paramref name="value"/> what the expression is in every browser.
    /// </summary>
    public void Fold(string expression, int value)
    {
        int k = (int)Draws.Next() | 1;
        Append(X).Append("=(Math.imul(").Append(X).Append(',').Append(k).Append(")+(").Append(expression).Append("))|0;");
        XValue = unchecked((XValue * k) + value);
    }

    /// <summary>
    /// A layout read: pushes the JavaScript expression's value to the layout reads and records what it must be, and
    /// whether a font size enters it (text-only zoom scales font sizes and nothing else: see <see cref="ProgramCheck"/>).
    /// </summary>
    public void Read(string expression, int expected, bool fontDependent = false)
    {
        Append(LayoutReads).Append(".push(").Append(expression).Append(");");
        if (fontDependent)
        {
            FontDependent.Add(ExpectedLayout.Count);
        }

        ExpectedLayout.Add(expected);
    }

    /// <summary>The JavaScript of <paramref name="element"/>'s rounded offset from <paramref name="host"/>'s border box.</summary>
    public string Offset(string element, string host, bool top) => Relative + "(" + element + "," + host + (top ? ",1)" : ",0)");

    /// <summary>The program's style element, whose sheet holds the rules <see cref="Host"/> and <see cref="Child"/> write.</summary>
    public string Sheet { get; }

    /// <summary>
    /// Creates a hidden host element (off screen, laid out, not painted), appended to the body, styled with
    /// <paramref name="css"/> through the cascade (see <see cref="Style"/>); returns its name.
    /// </summary>
    public string Host(string css)
    {
        string host = Names.Next(), cls = Names.Next();
        _classOf[host] = cls;
        Append("var ").Append(host).Append('=').Append(Document).Append(".createElement(\"div\");").Append(host).Append(".className=\"").Append(cls).Append("\";");
        Style(host, "div." + cls, "." + cls, "position:absolute;left:-10000px;top:0;visibility:hidden", css);
        Append(Document).Append(".body.appendChild(").Append(host).Append(");");
        return host;
    }

    /// <summary>Creates an element of <paramref name="tag"/> inside <paramref name="parent"/>, styled with <paramref name="css"/> through the cascade; returns its name.</summary>
    public string Child(string parent, string tag, string css)
    {
        string child = Names.Next(), cls = Names.Next();
        _classOf[child] = cls;
        int index = _children[parent] = _children.GetValueOrDefault(parent) + 1;
        Append("var ").Append(child).Append('=').Append(Document).Append(".createElement(\"").Append(tag).Append("\");").Append(child).Append(".className=\"").Append(cls).Append("\";")
            .Append(parent).Append(".appendChild(").Append(child).Append(");");
        if (css.Length == 0)
        {
            return child;
        }

        // The rule's selector: the element's class, its place among its parent's children, or an attribute of its own
        // (specificity 0,1,0 or more); a decoy matches it alone with less (its class under :where(), 0,0,0).
        string selector;
        switch (_classOf.TryGetValue(parent, out string? parentClass) ? Draws.Below(3) : Draws.Below(2))
        {
            case 0:
                selector = "." + cls;
                break;
            case 1:
                string attribute = "data-" + Word(), value = Word();
                Append(child).Append(".setAttribute(\"").Append(attribute).Append("\",\"").Append(value).Append("\");");
                selector = "[" + attribute + "=" + value + "]";
                break;
            default:
                selector = "." + parentClass + ">" + tag + ":nth-child(" + ProgramWriter.I(index) + ")";
                break;
        }

        Style(child, selector, ":where(." + cls + ")", "", css);
        return child;
    }

    /// <summary>
    /// Styles <paramref name="element"/>: <paramref name="fixedCss"/> inline; each declaration of <paramref name="css"/>
    /// either inline or in a rule of the program's sheet under <paramref name="selector"/>; of the latter, a length may
    /// come with a decoy that the cascade overrides: a rule of lower specificity (<paramref name="weakerSelector"/>)
    /// written after it, or an inline value that an <c>!important</c> in the sheet beats. What a browser lays out is the
    /// cascade's result; what a script reads from the text alone is not.
    /// </summary>
    private void Style(string element, string selector, string weakerSelector, string fixedCss, string css)
    {
        StringBuilder inline = _inline.Clear().Append(fixedCss), rule = _rule.Clear(), decoys = _decoys.Clear();
        foreach (Range part in css.AsSpan().Split(';'))
        {
            ReadOnlySpan<char> declaration = css.AsSpan()[part];
            if (declaration.IsEmpty)
            {
                continue;
            }

            if (Draws.Below(5) < 2)
            {
                (inline.Length > 0 ? inline.Append(';') : inline).Append(declaration);
                continue;
            }

            int colon = declaration.IndexOf(':');
            ReadOnlySpan<char> name = declaration[..colon], value = declaration[(colon + 1)..];
            int pixels = 0;
            bool length = value.EndsWith("px", StringComparison.Ordinal) && int.TryParse(value[..^2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out pixels);
            int decoy = length ? Draws.Below(3) : 0;
            int wrong = length ? pixels + Draws.Between(5, 40) : 0;
            rule.Append(name).Append(':').Append(value).Append(decoy == 2 ? " !important;" : ";");
            if (decoy == 1)
            {
                decoys.Append(name).Append(':').Append(CultureInfo.InvariantCulture, $"{wrong}px;");
            }
            else if (decoy == 2)
            {
                (inline.Length > 0 ? inline.Append(';') : inline).Append(name).Append(':').Append(CultureInfo.InvariantCulture, $"{wrong}px");
            }
        }

        if (inline.Length > 0)
        {
            Append(element).Append(".style.cssText=\"");
            Js.Append(inline);
            Append("\";");
        }

        InsertRule(selector, rule);
        InsertRule(weakerSelector, decoys);
    }

    private void InsertRule(string selector, StringBuilder declarations)
    {
        if (declarations.Length > 0)
        {
            Append(Sheet).Append(".sheet.insertRule(\"").Append(selector).Append('{');
            Js.Append(declarations);
            Append("}\",").Append(Sheet).Append(".sheet.cssRules.length);");
        }
    }

    public void RemoveHost(string host) => Append(Document).Append(".body.removeChild(").Append(host).Append(");");

    /// <summary>A fresh lower-case word of 1-9 letters.</summary>
    public string Word()
    {
        Span<char> chars = stackalloc char[Draws.Between(1, 9)];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)('a' + Draws.Below(26));
        }

        return new string(chars);
    }

    public static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => Draws.Dispose();
}

/// <summary>
/// A program's random numbers: the keystream of AES-256 in counter mode under the seed (the library's AES, blocks of
/// counters encrypted 1 KB at a time), read 32 bits at a time. (SHA-256 of the seed and a counter, 32 bytes per hash,
/// was most of a program's cost: ~0.1 ms of draws per flow.)
/// </summary>
internal sealed class ProgramDraws : IDisposable
{
    private const int Block = 1024;
    private readonly Aes _aes;
    private readonly byte[] _counters = new byte[Block];
    private readonly byte[] _buffer = new byte[Block];
    private ulong _counter;
    private int _at = Block;

    public ProgramDraws(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != ProgramGenerator.SeedSize)
        {
            throw new ArgumentException($"A program's seed has {ProgramGenerator.SeedSize} bytes.", nameof(seed));
        }

        _aes = Aes.Create();
        _aes.Key = seed.ToArray();
    }

    public uint Next()
    {
        if (_at + 4 > Block)
        {
            for (int i = 0; i < Block; i += 16)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(_counters.AsSpan(i), _counter++);
            }

            _aes.EncryptEcb(_counters, _buffer, PaddingMode.None);
            _at = 0;
        }

        uint value = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_at));
        _at += 4;
        return value;
    }

    public int Below(int n) => (int)(Next() % (uint)n);

    public int Between(int low, int high) => low + Below(high - low + 1);

    public bool Coin() => Below(2) == 0;

    public T Pick<T>(IReadOnlyList<T> items) => items[Below(items.Count)];

    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Below(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    public void Dispose() => _aes.Dispose();
}

/// <summary>Fresh identifiers for the program's variables (an underscore and four to six letters or digits: never a keyword).</summary>
internal sealed class ProgramNames(ProgramDraws r)
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public string Next()
    {
        Span<char> buffer = stackalloc char[7];
        while (true)
        {
            // Two draws a name: its length (4-6 after the underscore) and its letters from one 64-bit number.
            ulong v = ((ulong)r.Next() << 32) | r.Next();
            Span<char> chars = buffer[..(5 + (int)(v % 3))];
            v /= 3;
            chars[0] = '_';
            for (int i = 1; i < chars.Length; i++)
            {
                chars[i] = Alphabet[(int)(v % (ulong)Alphabet.Length)];
                v /= (ulong)Alphabet.Length;
            }

            string name = new(chars);
            if (_used.Add(name))
            {
                return name;
            }
        }
    }
}
