using System.Text;
using Microsoft.CodeAnalysis;

namespace CrafyCaptcha.Docs.Tests;

/// <summary>
/// Documentation is compiled: every <c>```csharp</c> block of README.md, docs/ and benchmarks/README.md compiles as pasted,
/// with only the usings it shows plus those of a <c>dotnet new web</c> project. The harness and its
/// <c>&lt;!-- snippet: … --&gt;</c> markers are described on <see cref="Snippets"/>.
/// </summary>
public sealed class ReadmeSnippetTests
{
    private static IEnumerable<string> Files => [.. Snippets.DocumentationFiles(), "benchmarks/README.md"];

    /// <summary>One case per block: file, line of the opening fence, marker.</summary>
    public static TheoryData<string, int, string> Blocks()
    {
        var data = new TheoryData<string, int, string>();
        foreach (string file in Files)
        {
            foreach (Snippet s in Snippets.Extract(file))
            {
                data.Add(s.File, s.Line, s.Marker);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void The_block_compiles(string file, int line, string marker)
    {
        Snippet snippet = Snippets.Extract(file).Single(s => s.Line == line);
        Assert.Equal(marker, snippet.Marker);

        if (snippet.AppFile is AppFile appFile)
        {
            // Built for real, with the rest of its app, by DocsAppTests: here only that the app and the place exist.
            Assert.True(DocsApps.Templates.ContainsKey(appFile.App), $"{snippet}: no docs app '{appFile.App}' (known: {string.Join(", ", DocsApps.Templates.Keys)})");
            Assert.False(Path.IsPathRooted(appFile.Path) || appFile.Path.Contains("..", StringComparison.Ordinal), $"{snippet}: the path must stay inside the app");
            return;
        }

        if (snippet.Kind == "skip")
        {
            Assert.False(string.IsNullOrWhiteSpace(snippet.SkipReason), $"{snippet}: a skipped block needs a reason: <!-- snippet: skip (why) -->");
            Assert.False(Snippets.ParsesAsCSharp(snippet.Code), $"{snippet}: this block is C#; compile it (use a harness marker) instead of skipping it");
            return;
        }

        IReadOnlyList<Diagnostic> diagnostics = Snippets.Compile(snippet); // errors and warnings
        if (diagnostics.Count > 0)
        {
            (string source, _) = Snippets.Harness(snippet);
            var message = new StringBuilder($"{snippet} does not compile:\n");
            foreach (Diagnostic d in diagnostics)
            {
                message.Append("  ").Append(d).Append('\n');
            }

            message.Append("as compiled:\n");
            string[] lines = source.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                message.Append($"{i + 1,4}| {lines[i]}\n");
            }

            Assert.Fail(message.ToString());
        }
    }

    [Fact]
    public void The_docs_have_csharp_blocks_and_the_harness_finds_them()
    {
        Snippet[] blocks = [.. Snippets.DocumentationFiles().SelectMany(Snippets.Extract)];

        Assert.True(blocks.Count(b => b.Language == "csharp") >= 30, $"only {blocks.Count(b => b.Language == "csharp")} csharp blocks found");
        Assert.True(blocks.Count(b => b.AppFile is not null) >= 15, $"only {blocks.Count(b => b.AppFile is not null)} app files found");
        Assert.Contains(blocks, b => b.File == "docs/reference.md");
        Assert.All(blocks, b => Assert.False(string.IsNullOrWhiteSpace(b.Code), $"{b} is empty"));
    }

    [Fact]
    public void The_READMEs_first_csharp_block_is_the_quick_start_with_the_embedded_engine()
    {
        // The front page's first C# block protects a form offline: the engine in the app, its endpoints mapped.
        Snippet first = Snippets.Extract("README.md").First(b => b.Language == "csharp");

        Assert.Equal(new AppFile("quickstart", "Program.cs", false), first.AppFile);
        Assert.Contains(".AddEmbeddedChallengeServer()", first.Code, StringComparison.Ordinal);
        Assert.Contains("app.MapCrafyChallengeServer();", first.Code, StringComparison.Ordinal);
        Assert.Contains("app.MapStaticAssets();", first.Code, StringComparison.Ordinal);
        Assert.True(File.ReadAllLines(Path.Combine(Snippets.RepositoryRoot, "README.md")).Length <= 300, "the README is the front page: at most 300 lines");
    }

    [Fact]
    public void The_harness_rejects_what_does_not_compile()
    {
        // The harness is honest: a missing using, an undefined name and a "..." placeholder are errors.
        Snippet missingUsing = new("test", 1, "statements", "FlowVerification? r = null;\n");
        Snippet placeholder = new("test", 2, "program", "app.MapPost(\"/x\", () => ...);\n");
        Snippet withUsing = new("test", 3, "statements", "using CrafyCaptcha;\n\nFlowVerification? r = await captcha.VerifyFlowAsync(token);\n");

        Assert.Contains(Snippets.Compile(missingUsing), d => d.Id == "CS0246");
        Assert.Contains(Snippets.Compile(placeholder), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Empty(Snippets.Compile(withUsing)); // not even a warning from the harness
    }
}
