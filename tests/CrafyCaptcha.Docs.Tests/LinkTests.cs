using System.Text.RegularExpressions;

namespace CrafyCaptcha.Docs.Tests;

/// <summary>
/// No relative link of README.md or docs/ is broken: every linked file exists, and every <c>#anchor</c> names a heading
/// of its page (GitHub's anchors: lower case, punctuation dropped, spaces as hyphens, <c>-1</c> for a repeated heading).
/// </summary>
public sealed partial class LinkTests
{
    public static TheoryData<string> Pages() => [.. Snippets.DocumentationFiles()];

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_relative_link_reaches_a_file_and_a_heading(string page)
    {
        var broken = new List<string>();
        foreach ((string target, int line) in Links(page))
        {
            if (SchemeRegex().IsMatch(target))
            {
                continue; // http(s), mailto: not checked here (no network in the tests)
            }

            string path = target.Split('#')[0];
            string anchor = target.Contains('#', StringComparison.Ordinal) ? target[(target.IndexOf('#', StringComparison.Ordinal) + 1)..] : "";
            string resolved = path.Length == 0 ? page : Path.GetRelativePath(Snippets.RepositoryRoot, Path.GetFullPath(Path.Combine(Snippets.RepositoryRoot, Path.GetDirectoryName(page)!, path))).Replace('\\', '/');
            string full = Path.Combine(Snippets.RepositoryRoot, resolved);
            if (resolved.StartsWith("..", StringComparison.Ordinal) || (!File.Exists(full) && !Directory.Exists(full)))
            {
                broken.Add($"{page}:{line}: {target} (no such file: {resolved})");
            }
            else if (anchor.Length > 0 && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(resolved).Contains(anchor))
            {
                broken.Add($"{page}:{line}: {target} (no heading with the anchor #{anchor} in {resolved})");
            }
        }

        Assert.True(broken.Count == 0, "broken links:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void Every_docs_page_is_reachable_from_the_README()
    {
        // Following relative links from README.md reaches every page under docs/.
        var seen = new HashSet<string>(StringComparer.Ordinal) { "README.md" };
        var queue = new Queue<string>(["README.md"]);
        while (queue.TryDequeue(out string? page))
        {
            foreach ((string target, _) in Links(page))
            {
                string path = target.Split('#')[0];
                if (path.EndsWith(".md", StringComparison.Ordinal) && !SchemeRegex().IsMatch(path))
                {
                    string resolved = Path.GetRelativePath(Snippets.RepositoryRoot, Path.GetFullPath(Path.Combine(Snippets.RepositoryRoot, Path.GetDirectoryName(page)!, path))).Replace('\\', '/');
                    if (resolved.StartsWith("docs/", StringComparison.Ordinal) && File.Exists(Path.Combine(Snippets.RepositoryRoot, resolved)) && seen.Add(resolved))
                    {
                        queue.Enqueue(resolved);
                    }
                }
            }
        }

        string[] unreachable = [.. Snippets.DocumentationFiles().Where(f => !seen.Contains(f))];
        Assert.True(unreachable.Length == 0, "not linked from the README (directly or through docs/): " + string.Join(", ", unreachable));
    }

    [Fact]
    public void The_checker_finds_a_broken_file_and_a_broken_anchor()
    {
        // The checker is honest: a made-up page and a made-up heading are reported, a real heading is not.
        Assert.Contains("the-crafy-command-line-tool", Anchors("docs/reference.md"));
        Assert.Contains("several-instances-redis", Anchors("docs/deployment.md"));
        Assert.DoesNotContain("no-such-heading", Anchors("docs/reference.md"));
        Assert.Equal("aspnet-core-identity-the-blazor-template", Slug("ASP.NET Core Identity (the Blazor template)"));
        Assert.Equal("the-crafy-captcha-tag-helper", Slug("The `<crafy-captcha>` tag helper"));
        Assert.Contains(("docs/nope.md#x", 1), ParseLinks("[a](docs/nope.md#x)"));
        Assert.Empty(ParseLinks("```\n[not a link](nope.md)\n```\n`[code](nope.md)`"));
    }

    /// <summary>The link targets of a page (outside code), with their line numbers.</summary>
    private static IEnumerable<(string Target, int Line)> Links(string page)
        => ParseLinks(File.ReadAllText(Path.Combine(Snippets.RepositoryRoot, page)));

    private static List<(string Target, int Line)> ParseLinks(string text)
    {
        var links = new List<(string, int)>();
        bool fenced = false;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            if (!fenced)
            {
                string prose = CodeSpanRegex().Replace(lines[i], "");
                links.AddRange(LinkRegex().Matches(prose).Select(m => (m.Groups[1].Value, i + 1)));
            }
        }

        return links;
    }

    /// <summary>The anchors GitHub gives the headings of a page.</summary>
    private static HashSet<string> Anchors(string page)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        bool fenced = false;
        foreach (string line in File.ReadAllLines(Path.Combine(Snippets.RepositoryRoot, page)))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
            }
            else if (!fenced && HeadingRegex().Match(line) is { Success: true } heading)
            {
                string slug = Slug(heading.Groups[1].Value);
                int n = counts.GetValueOrDefault(slug);
                counts[slug] = n + 1;
                anchors.Add(n == 0 ? slug : $"{slug}-{n}");
            }
        }

        return anchors;
    }

    private static string Slug(string heading)
        => SlugDropRegex().Replace(heading.Trim().ToLowerInvariant(), "").Replace(' ', '-');

    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)]
    private static partial Regex SchemeRegex();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex LinkRegex();

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex CodeSpanRegex();

    [GeneratedRegex(@"^#{1,6}\s+(.*?)\s*#*\s*$")]
    private static partial Regex HeadingRegex();

    [GeneratedRegex(@"[^\p{L}\p{Nd}_\- ]")]
    private static partial Regex SlugDropRegex();
}
