using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CrafyCaptcha.Docs.Tests;

/// <summary>
/// Extracts the <c>```csharp</c> blocks of the Markdown files and compiles them with Roslyn.
/// </summary>
/// <remarks>
/// <para>
/// Every block is compiled with ONLY the <c>using</c> directives it shows plus the implicit global usings of a
/// <c>dotnet new web</c> project (<see cref="ImplicitUsings"/>), nullable enabled, against the test's trusted platform
/// assemblies (the .NET and ASP.NET Core shared frameworks, the packages) and the CrafyCaptcha libraries. Errors
/// and compiler warnings fail (as in this repository, where warnings are errors); the harness adds none.
/// </para>
/// <para>
/// The HTML comment on the last non-blank line before the fence says how the block is compiled; the <c>using</c>
/// directives at the start of a block always go to the top of the file:
/// </para>
/// <list type="bullet">
/// <item><description>(no marker): a whole file as it is (types, or the top-level statements of a console app).</description></item>
/// <item><description><c>&lt;!-- snippet: program --&gt;</c>: top-level statements of a web app's <c>Program.cs</c>.
/// <c>var builder = WebApplication.CreateBuilder(args);</c> goes before the block, <c>var app = builder.Build();</c>
/// before its first line that starts with <c>app.</c>, and <c>app.Run();</c> after it.</description></item>
/// <item><description><c>&lt;!-- snippet: class-member --&gt;</c>: members (methods, nested types) of an MVC controller
/// class (so <c>HttpContext</c>, <c>ModelState</c>, <c>View()</c> are there) that also has the fields
/// <see cref="HarnessFields"/>.</description></item>
/// <item><description><c>&lt;!-- snippet: statements --&gt;</c>: statements in an <c>async Task</c> method of that class.</description></item>
/// <item><description><c>&lt;!-- snippet: file APP PATH --&gt;</c> (any language): the file PATH of the docs app APP, which
/// <see cref="DocsApps"/> creates from a <c>dotnet new</c> template and builds for real; <c>append APP PATH</c>: lines added
/// at the end of the template's file PATH. Such blocks are compiled by that build, not here.</description></item>
/// <item><description><c>&lt;!-- snippet: skip (reason) --&gt;</c>: not compiled; only for text that is not C# (a reason is
/// required, and a skipped block that parses as C# fails: real code is compiled).</description></item>
/// </list>
/// <para>Every compilation also gets the placeholder types of <see cref="PlaceholderTypes"/> (<c>LoginModel</c>,
/// <c>CommentInput</c>), in the global namespace.</para>
/// </remarks>
internal static partial class Snippets
{
    /// <summary>The implicit global usings of a <c>dotnet new web</c> project (Microsoft.NET.Sdk.Web, ImplicitUsings enabled).</summary>
    public static readonly ImmutableArray<string> ImplicitUsings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Net.Http.Json",
        "System.Threading", "System.Threading.Tasks", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration",
        "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging",
    ];

    /// <summary>The fields of the <c>class-member</c> and <c>statements</c> harness (fully qualified: they add no using).</summary>
    public const string HarnessFields = """
            public readonly global::CrafyCaptcha.ICrafyCaptcha captcha = null!;
            public readonly string token = "";
            public readonly string secretKey = "";
        """;

    /// <summary>Types the snippets may name without defining them.</summary>
    public const string PlaceholderTypes = """
        #nullable enable
        public sealed class LoginModel { public string? UserName { get; set; } }
        public sealed record CommentInput(string Author, string Text);
        """;

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    /// <summary>The <c>```csharp</c> blocks of a Markdown file.</summary>
    public static IEnumerable<Snippet> Extract(string relativePath)
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot, relativePath));
        for (int i = 0; i < lines.Length; i++)
        {
            Match fence = FenceRegex().Match(lines[i].Trim());
            if (!fence.Success)
            {
                continue;
            }

            int start = i;
            string language = fence.Groups[1].Value;
            var code = new StringBuilder();
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
            {
                code.Append(lines[i]).Append('\n');
            }

            string marker = "";
            for (int j = start - 1; j >= 0; j--)
            {
                if (lines[j].Trim().Length > 0)
                {
                    Match m = MarkerRegex().Match(lines[j]);
                    marker = m.Success ? m.Groups[1].Value.Trim() : "";
                    break;
                }
            }

            // Every C# block, and every block of another language that is a file of a docs app.
            var snippet = new Snippet(relativePath, start + 1, marker, code.ToString(), language);
            if (language == "csharp" || snippet.AppFile is not null)
            {
                yield return snippet;
            }
        }
    }

    /// <summary>The Markdown files whose blocks are compiled and whose links are checked: the README and docs/.</summary>
    public static IReadOnlyList<string> DocumentationFiles()
        => ["README.md", .. Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "docs"), "*.md", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepositoryRoot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    /// <summary>The folder holding the solution file.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Builds the file a snippet is compiled as.</summary>
    public static (string Source, OutputKind Kind) Harness(Snippet snippet)
    {
        (string usings, string body) = SplitUsings(snippet.Code);
        string kind = snippet.Kind;
        return kind switch
        {
            "" => (snippet.Code, HasTopLevelStatements(snippet.Code) ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary),
            "program" => (usings + Program(body), OutputKind.ConsoleApplication),
            "class-member" => (usings + ControllerClass(body), OutputKind.DynamicallyLinkedLibrary),
            "statements" => (usings + ControllerClass("    public async global::System.Threading.Tasks.Task SnippetAsync()\n    {\n" + body + "\n        await global::System.Threading.Tasks.Task.CompletedTask;\n    }\n"), OutputKind.DynamicallyLinkedLibrary),
            "file" or "append" => throw new InvalidOperationException($"{snippet}: a file of the docs app '{snippet.AppFile?.App}': DocsAppTests builds it in that app."),
            _ => throw new InvalidOperationException($"{snippet}: unknown snippet marker '{snippet.Marker}' (program, class-member, statements, file APP PATH, append APP PATH, skip (reason))."),
        };
    }

    /// <summary>Compiles a snippet in its harness; the diagnostics of severity error and warning.</summary>
    public static ImmutableArray<Diagnostic> Compile(Snippet snippet)
    {
        (string source, OutputKind kind) = Harness(snippet);
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        string globalUsings = string.Concat(ImplicitUsings.Select(u => $"global using global::{u};\n"));
        SyntaxTree[] trees =
        [
            CSharpSyntaxTree.ParseText(source, parse, path: $"{snippet.File}:{snippet.Line}", encoding: Encoding.UTF8),
            CSharpSyntaxTree.ParseText(globalUsings, parse, path: "ImplicitUsings.g.cs", encoding: Encoding.UTF8),
            CSharpSyntaxTree.ParseText(PlaceholderTypes, parse, path: "Placeholders.g.cs", encoding: Encoding.UTF8),
        ];
        var options = new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable);
        var compilation = CSharpCompilation.Create("Snippet", trees, References.Value, options);
        return [.. compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning)];
    }

    /// <summary>Whether a text parses as C# without a syntax error (as a file, or as statements).</summary>
    public static bool ParsesAsCSharp(string code)
        => !CSharpSyntaxTree.ParseText(code).GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);

    private static string Program(string body)
    {
        string[] lines = body.Split('\n');
        int split = Array.FindIndex(lines, l => l.TrimStart().StartsWith("app.", StringComparison.Ordinal));
        string before = split < 0 ? body : string.Join('\n', lines[..split]);
        string after = split < 0 ? "" : string.Join('\n', lines[split..]);
        return "var builder = WebApplication.CreateBuilder(args);\n" + before + "\nvar app = builder.Build();\n" + after + "\napp.Run();\n";
    }

    private static string ControllerClass(string members)
        => "public sealed class SnippetController : global::Microsoft.AspNetCore.Mvc.Controller\n{\n" + HarnessFields + "\n" + members + "\n}\n";

    private static (string Usings, string Body) SplitUsings(string code)
    {
        string[] lines = code.Split('\n');
        int i = 0;
        while (i < lines.Length && (lines[i].Trim().Length == 0 || lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal) || UsingDirectiveRegex().IsMatch(lines[i])))
        {
            i++;
        }

        // Keep the line count so that diagnostics still point near the right line.
        return (string.Join('\n', lines[..i]) + "\n", string.Join('\n', lines[i..]));
    }

    private static bool HasTopLevelStatements(string code)
        => CSharpSyntaxTree.ParseText(code).GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string tpa = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
        foreach (string path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            // Not the test's own assemblies (the sample, the test support, this project): a user's app has none of them.
            string name = Path.GetFileNameWithoutExtension(path);
            if (!name.StartsWith("CrafyCaptcha.", StringComparison.Ordinal) && name != "CrafyCaptcha")
            {
                paths.TryAdd(name, path);
            }
        }

        Assembly[] ours =
        [
            typeof(ICrafyCaptcha).Assembly,
            typeof(AspNetCore.CrafyCaptchaErrorCodes).Assembly,
            typeof(Server.ChallengeServerOptions).Assembly,
            typeof(StackExchangeRedis.RedisNonceStoreOptions).Assembly,
            typeof(Server.ControlPanel.ControlPanelOptions).Assembly,
            typeof(Microsoft.Extensions.DependencyInjection.CrafyCaptchaWebAssemblyServiceCollectionExtensions).Assembly,
        ];
        foreach (Assembly assembly in ours)
        {
            paths[assembly.GetName().Name!] = assembly.Location;
        }

        return [.. paths.Values.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CrafyCaptcha.AspNetCore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CrafyCaptcha.AspNetCore.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^```([\w-]+)\s*$")]
    private static partial Regex FenceRegex();

    [GeneratedRegex(@"^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$")]
    private static partial Regex MarkerRegex();

    [GeneratedRegex(@"^\s*(global\s+)?using\s+(static\s+)?[\w.]+(\s*=\s*[\w.<>]+)?\s*;\s*(//.*)?$")]
    private static partial Regex UsingDirectiveRegex();
}

/// <summary>One <c>```csharp</c> block.</summary>
/// <param name="File">The Markdown file, relative to the repository root.</param>
/// <param name="Line">The line of the opening fence (1-based).</param>
/// <param name="Marker">The text of the <c>&lt;!-- snippet: … --&gt;</c> marker before it, or empty.</param>
/// <param name="Code">The block's text.</param>
/// <param name="Language">The fence's language (<c>csharp</c>, <c>cshtml</c>, <c>razor</c>, …).</param>
internal sealed record Snippet(string File, int Line, string Marker, string Code, string Language = "csharp")
{
    /// <summary>For <c>file APP PATH</c> and <c>append APP PATH</c> markers: the docs app and the file the block is (or is added to).</summary>
    public AppFile? AppFile => Kind is "file" or "append" && Marker.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, string app, string path]
        ? new AppFile(app, path, Kind == "append")
        : null;

    /// <summary>The harness kind: the marker's first word.</summary>
    public string Kind => System.Text.RegularExpressions.Regex.Match(Marker, @"^[\w-]*").Value;

    /// <summary>The reason of a <c>skip (reason)</c> marker, or null.</summary>
    public string? SkipReason => Kind == "skip" ? Marker[4..].Trim().TrimStart('(').TrimEnd(')').Trim() : null;

    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}" + (Marker.Length > 0 ? $" ({Marker})" : "");
}

/// <summary>A block that is a file of a docs app.</summary>
/// <param name="App">The app (a key of <see cref="DocsApps.Templates"/>).</param>
/// <param name="Path">The file, relative to the app's folder.</param>
/// <param name="Append">Whether the block is added at the end of the template's file rather than being the whole file.</param>
internal sealed record AppFile(string App, string Path, bool Append);
