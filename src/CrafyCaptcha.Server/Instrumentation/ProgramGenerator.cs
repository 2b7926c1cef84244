using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace CrafyCaptcha.Server.Instrumentation;

/// <summary>
/// What a flow's program must return, kept with the flow record only (never sent): the integer chain's values, exact;
/// the layout reads in CSS pixels, within <see cref="ProgramCheck"/>'s tolerance (and which of them a font size enters);
/// and the canvas hash (a fact).
/// </summary>
internal sealed record ProgramExpectation(
    [property: JsonPropertyName("v")] uint[] Values,
    [property: JsonPropertyName("l")] int[] Layout,
    [property: JsonPropertyName("c")] uint Canvas = 0,
    [property: JsonPropertyName("e")] int[]? FontDependent = null);

/// <summary>A generated program: the script the challenge page carries inline, and what it must answer.</summary>
internal sealed record GeneratedProgram(string Script, ProgramExpectation Expected);

/// <summary>
/// Writes, per flow, a JavaScript program never sent before and computes what a browser answers to it. Its structure
/// is drawn from a fresh 256-bit seed (expanded with AES-256 in counter mode; the same seed writes the same program, so
/// tests and benchmarks can replay one): which layout stages it holds (four of box model, flex,
/// grid, CSS sizing, normal flow, absolute positioning, floats), how each is built, the order of every stage, and every number and name. The stages:
/// integer chains in 32-bit arithmetic (<c>|0</c>, <c>&gt;&gt;&gt;</c>, <c>Math.imul</c>, so JavaScript and C# agree
/// exactly) fed by DOM work (<see cref="DomStages"/>: trees, event dispatch, a <c>MutationObserver</c> and its
/// microtask), layout reads of boxes whose every size the specifications fix to whole pixels
/// (<see cref="BoxLayoutStages"/>, <see cref="FlowLayoutStages"/>, <see cref="PositionedLayoutStages"/>), and a canvas
/// hash (<see cref="CanvasStage"/>). At
/// the end it gathers a few browser facts that the engine judges (<see cref="BrowserFacts"/>), and hands everything to
/// the challenge page as the DOM event <c>crafy-program</c>.
/// </summary>
internal static class ProgramGenerator
{
    /// <summary>The DOM event the program dispatches on <c>document</c> with its result.</summary>
    public const string EventName = "crafy-program";

    /// <summary>The size of a program's seed.</summary>
    public const int SeedSize = 32;

    private enum Stage
    {
        Arithmetic,
        Tree,
        Events,
        Mutations,
        Canvas,
        Box,
        Flex,
        Grid,
        Sizing,
        Flow,
        Positioned,
        Floats,
    }

    private static readonly Stage[] LayoutStages = [Stage.Box, Stage.Flex, Stage.Grid, Stage.Sizing, Stage.Flow, Stage.Positioned, Stage.Floats];

    /// <summary>A new program from fresh randomness.</summary>
    public static GeneratedProgram Generate() => Generate(RandomNumberGenerator.GetBytes(SeedSize));

    /// <summary>The program of <paramref name="seed"/>: the same seed always writes the same program.</summary>
    public static GeneratedProgram Generate(ReadOnlySpan<byte> seed)
    {
        using var w = new ProgramWriter(seed);
        ProgramDraws r = w.Draws;
        string canvas = w.Names.Next(), calls = w.Names.Next(), facts = w.Names.Next(), error = w.Names.Next(), finish = w.Names.Next(), e = w.Names.Next(), text = w.Names.Next();

        // Two trees, one dispatch, one observer, one canvas, four of the seven layout kinds and 6-10 arithmetic steps, in a random order.
        var layouts = LayoutStages.ToList();
        r.Shuffle(layouts);
        var stages = new List<Stage> { Stage.Tree, Stage.Tree, Stage.Events, Stage.Mutations, Stage.Canvas };
        stages.AddRange(layouts.Take(4));
        int arithmetic = r.Between(6, 10);
        for (int i = 0; i < arithmetic; i++)
        {
            stages.Add(Stage.Arithmetic);
        }

        r.Shuffle(stages);
        w.Append("(function(){\"use strict\";var ").Append(w.Document).Append("=document,").Append(w.Values).Append("=[],").Append(w.LayoutReads).Append("=[],")
            .Append(w.X).Append('=').Append(w.XValue).Append(',').Append(w.Y).Append('=').Append(w.YValue).Append(',').Append(canvas).Append("=-1,").Append(calls).Append("=0,")
            .Append(w.Relative).Append("=function(a,b,t){var p=a.getBoundingClientRect(),q=b.getBoundingClientRect();return Math.round(t?p.top-q.top:p.left-q.left)};")
            .Append("function ").Append(error).Append('(').Append(e).Append("){").Append(w.Document).Append(".dispatchEvent(new CustomEvent(\"").Append(EventName)
            .Append("\",{detail:{error:String(").Append(e).Append("&&").Append(e).Append(".name)}}))}try{");

        // The sheet the layout stages' rules go into (the page's CSP allows inline styles: style-src 'unsafe-inline').
        w.Append("var ").Append(w.Sheet).Append('=').Append(w.Document).Append(".createElement(\"style\");").Append(w.Document).Append(".head.appendChild(").Append(w.Sheet).Append(");");

        // Text-only zoom (Firefox's, and the system text scale it follows) scales font sizes and nothing else: a probe of
        // 100px says by how much, and the check leaves the reads a font size enters aside when it is not 100.
        string probe = w.Host("font-size:100px");
        w.Append("var ").Append(text).Append("=Math.round(parseFloat(getComputedStyle(").Append(probe).Append(").fontSize));");
        w.RemoveHost(probe);
        uint canvasHash = 0;
        foreach (Stage stage in stages)
        {
            switch (stage)
            {
                case Stage.Arithmetic:
                    Arithmetic(w);
                    break;
                case Stage.Tree:
                    DomStages.Tree(w);
                    break;
                case Stage.Events:
                    DomStages.Events(w);
                    break;
                case Stage.Mutations:
                    DomStages.Mutations(w, calls);
                    break;
                case Stage.Canvas:
                    canvasHash = CanvasStage.Write(w, canvas);
                    break;
                case Stage.Box:
                    BoxLayoutStages.Box(w);
                    break;
                case Stage.Flex:
                    BoxLayoutStages.Flex(w);
                    break;
                case Stage.Grid:
                    BoxLayoutStages.Grid(w);
                    break;
                case Stage.Sizing:
                    FlowLayoutStages.Sizing(w);
                    break;
                case Stage.Positioned:
                    PositionedLayoutStages.Positioned(w);
                    break;
                case Stage.Floats:
                    PositionedLayoutStages.Floats(w);
                    break;
                default:
                    FlowLayoutStages.Flow(w);
                    break;
            }
        }

        // The end waits for a promise queued after the observer's last mutation: by then its callback has run once.
        w.Append("Promise.resolve().then(").Append(finish).Append(")}catch(").Append(e).Append("){").Append(error).Append('(').Append(e).Append(")}function ").Append(finish).Append("(){try{");
        w.Fold(calls, 1);
        w.Append(w.Values).Append(".push(").Append(w.X).Append(">>>0,").Append(w.Y).Append(">>>0);");
        w.ExpectedValues.Add((uint)w.XValue);
        w.ExpectedValues.Add((uint)w.YValue);
        Facts(w, facts);
        w.Append(w.Document).Append(".head.removeChild(").Append(w.Sheet).Append(");");
        w.Append(w.Document).Append(".dispatchEvent(new CustomEvent(\"").Append(EventName).Append("\",{detail:{v:").Append(w.Values).Append(",l:").Append(w.LayoutReads)
            .Append(",f:").Append(facts).Append(",c:").Append(canvas).Append(",t:").Append(text).Append("}}))}catch(").Append(e).Append("){").Append(error).Append('(').Append(e).Append(")}}})();");
        return new GeneratedProgram(w.Js.ToString(), new ProgramExpectation([.. w.ExpectedValues], [.. w.ExpectedLayout], canvasHash, [.. w.FontDependent]));
    }

    private static void Arithmetic(ProgramWriter w)
    {
        ProgramDraws r = w.Draws;
        string x = w.X, y = w.Y;
        int xv = w.XValue, yv = w.YValue;
        int k = (int)r.Next() | 1;
        int s = r.Between(1, 31);
        switch (r.Below(8))
        {
            case 0:
                w.Append(x).Append("=Math.imul(").Append(x).Append(',').Append(k).Append(")|0;");
                xv = unchecked(xv * k);
                break;
            case 1:
                w.Append(x).Append("=(").Append(x).Append('+').Append(k).Append(")|0;");
                xv = unchecked(xv + k);
                break;
            case 2:
                w.Append(x).Append("=(").Append(x).Append('^').Append(k).Append(")|0;");
                xv ^= k;
                break;
            case 3:
                w.Append(x).Append("=(").Append(x).Append("^(").Append(x).Append(">>>").Append(s).Append("))|0;");
                xv ^= (int)((uint)xv >> s);
                break;
            case 4:
                w.Append(x).Append("=(").Append(x).Append("<<").Append(s).Append('|').Append(x).Append(">>>").Append(32 - s).Append(")|0;");
                xv = (int)BitOperations.RotateLeft((uint)xv, s);
                break;
            case 5:
                w.Append(y).Append("=(").Append(y).Append("+Math.imul(").Append(x).Append(',').Append(k).Append("))|0;");
                yv = unchecked(yv + (xv * k));
                break;
            case 6:
                w.Append(x).Append("=(").Append(x).Append('-').Append(y).Append(")|0;");
                xv = unchecked(xv - yv);
                break;
            default:
                w.Append(x).Append("=Math.imul(").Append(x).Append('^').Append(y).Append(',').Append(k).Append(")|0;");
                xv = unchecked((xv ^ yv) * k);
                break;
        }

        w.XValue = xv;
        w.YValue = yv;
    }

    /// <summary>
    /// The browser facts (judged by the engine, see <see cref="BrowserFacts"/>): <c>wd</c> navigator.webdriver (0 false,
    /// 1 true, 2 deleted), <c>ua</c> HeadlessChrome in navigator.userAgent, screen and outer window sizes, plugin, MIME
    /// type and language counts, and <c>nt</c> how many native functions no longer say <c>[native code]</c>.
    /// </summary>
    private static void Facts(ProgramWriter w, string f)
    {
        string n = w.Names.Next(), s = w.Names.Next(), t = w.Names.Next(), k = w.Names.Next(), list = w.Names.Next();
        w.Append("var ").Append(n).Append("=navigator,").Append(s).Append("=screen,").Append(t).Append("=Function.prototype.toString,").Append(k).Append("=0,")
            .Append(list).Append("=[").Append(t).Append(",HTMLCanvasElement.prototype.toDataURL,HTMLCanvasElement.prototype.getContext,Element.prototype.getBoundingClientRect,")
            .Append("(Object.getOwnPropertyDescriptor(HTMLElement.prototype,\"offsetWidth\")||{}).get,(Object.getOwnPropertyDescriptor(Navigator.prototype,\"webdriver\")||{}).get];")
            .Append("for(var i=0;i<").Append(list).Append(".length;i++){try{if(typeof ").Append(list).Append("[i]===\"function\"&&!/\\[native code\\]\\s*\\}\\s*$/.test(").Append(t).Append(".call(")
            .Append(list).Append("[i]))){").Append(k).Append("++}}catch(_e){").Append(k).Append("++}}")
            .Append("var ").Append(f).Append("={wd:(\"webdriver\" in ").Append(n).Append(")?(").Append(n).Append(".webdriver===true?1:0):2,ua:/HeadlessChrome/.test(").Append(n).Append(".userAgent)?1:0,")
            .Append("sw:").Append(s).Append(".width|0,sh:").Append(s).Append(".height|0,ow:window.outerWidth|0,oh:window.outerHeight|0,")
            .Append("pl:").Append(n).Append(".plugins?").Append(n).Append(".plugins.length:-1,mt:").Append(n).Append(".mimeTypes?").Append(n).Append(".mimeTypes.length:-1,")
            .Append("lg:").Append(n).Append(".languages?").Append(n).Append(".languages.length:-1,nt:").Append(k).Append("};");
    }
}
