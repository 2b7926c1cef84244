using System.Text.RegularExpressions;

namespace CrafyCaptcha.Docs.Tests;

/// <summary>Reads the tables of the documentation's Markdown files.</summary>
internal static partial class MarkdownTables
{
    /// <summary>
    /// The rows (cells trimmed, without the header row) of the first table after the heading <paramref name="heading"/>
    /// (any level, <c>## Error codes</c> or <c>### …</c>) of <paramref name="file"/>, before the next heading of that level.
    /// </summary>
    public static List<string[]> Rows(string file, string heading)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Snippets.RepositoryRoot, file));
        int start = Array.FindIndex(lines, l => l.TrimStart('#').Trim() == heading && l.StartsWith('#'));
        Assert.True(start >= 0, $"{file} has no section \"{heading}\"");
        string level = lines[start][..(lines[start].IndexOf(' ', StringComparison.Ordinal) + 1)];
        var rows = new List<string[]>();
        for (int i = start + 1; i < lines.Length && !lines[i].StartsWith(level, StringComparison.Ordinal); i++)
        {
            string line = lines[i].Trim();
            if (line.StartsWith('|') && !SeparatorRow().IsMatch(line))
            {
                rows.Add([.. SplitCells(line)]);
            }
            else if (rows.Count > 0 && !line.StartsWith('|'))
            {
                break;
            }
        }

        Assert.True(rows.Count > 1, $"no table under \"{heading}\" in {file}");
        return rows[1..];
    }

    /// <summary>The cells of a table row; <c>\|</c> inside a cell is not a separator.</summary>
    private static IEnumerable<string> SplitCells(string line)
        => CellSeparator().Split(line.Trim('|')).Select(c => c.Replace("\\|", "|", StringComparison.Ordinal).Trim());

    [GeneratedRegex(@"^\|(\s*:?-+:?\s*\|)+$")]
    private static partial Regex SeparatorRow();

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex CellSeparator();
}
