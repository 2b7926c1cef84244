using System.Globalization;
using CrafyCaptcha.Server.Risk;

namespace CrafyCaptcha.Docs.Tests;

/// <summary>The table of risk reasons (docs/challenge-engine.md) names every reason the engine can raise, with its default weight.</summary>
public sealed class RiskReasonTableTests
{
    [Fact]
    public void Every_risk_reason_is_in_the_readme_table_with_its_default_weight()
    {
        // Rows "| `a`, `b` | 0.3, 0.4 | …": the names in the first cell, their weights in the same order in the second.
        var documented = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(Path.Combine(Snippets.RepositoryRoot, "docs/challenge-engine.md")).Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            string[] cells = line.Split('|', StringSplitOptions.TrimEntries);
            string[] names = [.. cells[1].Split(',', StringSplitOptions.TrimEntries).Select(n => n.Trim('`'))];
            string[] weights = cells[2].Split(',', StringSplitOptions.TrimEntries);
            if (names.Length == weights.Length && weights.All(w => double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            {
                for (int i = 0; i < names.Length; i++)
                {
                    documented.TryAdd(names[i], weights[i]);
                }
            }
        }

        var defaults = new ChallengeRiskOptions().Weights;
        foreach (string reason in RiskReasons.All)
        {
            Assert.True(documented.TryGetValue(reason, out string? weight), $"`{reason}` is missing from the risk reasons table of docs/challenge-engine.md");
            Assert.True(double.Parse(weight, CultureInfo.InvariantCulture) == defaults[reason], $"`{reason}`: docs/challenge-engine.md says {weight}, the default weight is {defaults[reason]}");
        }
    }
}
