using System.Globalization;
using System.Reflection;
using System.Xml.Linq;
using CrafyCaptcha.AspNetCore;

namespace CrafyCaptcha.Docs.Tests;

/// <summary>
/// The option tables of docs/reference.md and the package tables name what the code has: every public option with its
/// default, every package <c>dotnet pack</c> makes, and nothing else.
/// </summary>
public sealed class OptionTableTests
{
    [Fact]
    public void The_options_table_names_every_CrafyCaptchaHttpOptions_property_with_its_default()
    {
        List<string[]> rows = MarkdownTables.Rows("docs/reference.md", "Options");
        var options = new CrafyCaptchaHttpOptions();
        foreach (PropertyInfo property in PublicSettable(typeof(CrafyCaptchaHttpOptions)))
        {
            string[] row = Assert.Single(rows, r => r[0] == $"`{property.Name}`");
            AssertDefault(property, property.GetValue(options), row[1], "docs/reference.md, Options");
        }

        // And no row names an option that does not exist (AddPolicy is the builder's method on the options).
        foreach (string[] row in rows.Where(r => !r[0].StartsWith("`AddPolicy(", StringComparison.Ordinal)))
        {
            Assert.True(typeof(CrafyCaptchaHttpOptions).GetProperty(row[0].Trim('`')) is not null, $"docs/reference.md, Options: {row[0]} is not a property of CrafyCaptchaHttpOptions");
        }
    }

    [Fact]
    public void The_configuration_keys_table_names_every_CrafyCaptchaOptions_property_with_its_default()
    {
        List<string[]> rows = MarkdownTables.Rows("docs/reference.md", "Configuration keys (`CrafyCaptchaOptions`)");
        var options = new CrafyCaptchaOptions();
        foreach (PropertyInfo property in PublicSettable(typeof(CrafyCaptchaOptions)))
        {
            string[] row = Assert.Single(rows, r => r[0] == $"`CrafyCaptcha:{property.Name}`");
            AssertDefault(property, property.GetValue(options), row[2], "docs/reference.md, configuration keys");
        }
    }

    public static TheoryData<string, string> PackageTables() => new()
    {
        { "README.md", "Packages" },
        { "docs/getting-started.md", "Install the packages" },
        { "docs/reference.md", "Packages" },
    };

    [Theory]
    [MemberData(nameof(PackageTables))]
    public void A_package_table_lists_every_package_dotnet_pack_makes(string file, string heading)
    {
        string[] packed = [.. Directory.EnumerateFiles(Path.Combine(Snippets.RepositoryRoot, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => XDocument.Load(p).Descendants("IsPackable").All(e => e.Value.Trim() != "false"))
            .Select(p => Path.GetFileNameWithoutExtension(p))
            .Order(StringComparer.Ordinal)];
        string[] listed = [.. MarkdownTables.Rows(file, heading).Select(r => r[0].Trim('`')).Order(StringComparer.Ordinal)];

        Assert.Equal(7, packed.Length); // CrafyCaptcha, .AspNetCore, .AspNetCore.Components, .Cli, .Server, .Server.ControlPanel, .StackExchangeRedis
        Assert.Equal(packed, listed);
    }

    private static IEnumerable<PropertyInfo> PublicSettable(Type type)
        => type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true);

    /// <summary>A table's default cell against the real default: "none"/"(required)" for null, else the value's text.</summary>
    private static void AssertDefault(PropertyInfo property, object? value, string cell, string where)
    {
        string text = cell.Trim('`');
        switch (value)
        {
            case null:
                Assert.False(cell.StartsWith('`'), $"{where}: {property.Name} has no default, the table says {cell}"); // "none", "(required)", words
                break;
            case bool or int or long or TimeSpan or Uri:
                string expected = Convert.ToString(value, CultureInfo.InvariantCulture)!.ToLowerInvariant();
                Assert.True(text.ToLowerInvariant() == expected, $"{where}: {property.Name} defaults to {expected}, the table says {cell}");
                break;
            case string s:
                Assert.True(text == s, $"{where}: {property.Name} defaults to {s}, the table says {cell}");
                break;
            default:
                break; // delegates and collections: described in words
        }
    }
}
