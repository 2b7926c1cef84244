using NUglify;
using NUglify.JavaScript;

namespace CrafyCaptcha.Packaging.Tests;

/// <summary>
/// The browser scripts ship minified (what the widget's page and the challenge iframe load); each <c>.min.js</c> must be
/// exactly NUglify's output for its readable source beside it, so a change to a source cannot ship without its
/// minified copy. After editing a source: <c>CRAFY_UPDATE_MINIFIED=1 dotnet test tests/CrafyCaptcha.Packaging.Tests
/// --filter MinifiedScriptTests</c> writes the copies (then the browser tests run them).
/// </summary>
public sealed class MinifiedScriptTests
{
    public static TheoryData<string, string> Scripts => new()
    {
        { "src/CrafyCaptcha.AspNetCore/wwwroot/crafy-captcha.js", "src/CrafyCaptcha.AspNetCore/wwwroot/crafy-captcha.min.js" },
        { "src/CrafyCaptcha.AspNetCore/wwwroot/crafy-captcha-turnstile.js", "src/CrafyCaptcha.AspNetCore/wwwroot/crafy-captcha-turnstile.min.js" },
        { "src/CrafyCaptcha.Server/Assets/challenge.js", "src/CrafyCaptcha.Server/Assets/min/challenge.js" },
        { "src/CrafyCaptcha.Server/Assets/checkbox.js", "src/CrafyCaptcha.Server/Assets/min/checkbox.js" },
        { "src/CrafyCaptcha.Server/Assets/puzzle.js", "src/CrafyCaptcha.Server/Assets/min/puzzle.js" },
        { "src/CrafyCaptcha.Server/Assets/pow-worker.js", "src/CrafyCaptcha.Server/Assets/min/pow-worker.js" },
        { "src/CrafyCaptcha.Server/Assets/refusal.js", "src/CrafyCaptcha.Server/Assets/min/refusal.js" },
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Each_shipped_script_is_the_minification_of_its_source(string source, string minified)
    {
        string root = PackedFeed.FindRepositoryRoot();
        UglifyResult result = Uglify.Js(File.ReadAllText(Path.Combine(root, source)), new CodeSettings { PreserveImportantComments = true });
        Assert.False(result.HasErrors, string.Join(Environment.NewLine, result.Errors));
        string expected = result.Code + "\n";
        string path = Path.Combine(root, minified);
        if (Environment.GetEnvironmentVariable("CRAFY_UPDATE_MINIFIED") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, expected);
        }

        Assert.True(File.Exists(path) && File.ReadAllText(path) == expected,
            $"{minified} is not the minification of {source}: run CRAFY_UPDATE_MINIFIED=1 dotnet test tests/CrafyCaptcha.Packaging.Tests --filter MinifiedScriptTests");
        Assert.True(expected.Length < new FileInfo(Path.Combine(root, source)).Length, "the minified copy is not smaller");
    }

    /// <summary>The widget's languages, in the order of its table (the first is its fallback).</summary>
    public static TheoryData<string> WidgetLanguages => new(Languages(File.ReadAllText(Path.Combine(PackedFeed.FindRepositoryRoot(), WidgetSource))).Select(l => l.Code));

    private const string WidgetSource = "src/CrafyCaptcha.AspNetCore/wwwroot/crafy-captcha.js";

    /// <summary>
    /// Each <c>crafy-captcha.{lang}.min.js</c> is NUglify's output for the widget's source with only that language's row
    /// in its table (a page whose language is known loads only that language: the tag helper picks the build).
    /// </summary>
    [Theory]
    [MemberData(nameof(WidgetLanguages))]
    public void Each_language_build_is_the_widget_with_only_that_language(string language)
    {
        string root = PackedFeed.FindRepositoryRoot();
        string source = File.ReadAllText(Path.Combine(root, WidgetSource));
        (string Code, string Row)[] languages = Languages(source);
        string single = source;
        foreach ((string code, string row) in languages.Where(l => l.Code != language))
        {
            single = single.Replace(row, string.Empty, StringComparison.Ordinal);
        }

        string kept = languages.Single(l => l.Code == language).Row;
        single = single.Replace(kept, kept.TrimEnd().TrimEnd(',') + "\n", StringComparison.Ordinal);
        UglifyResult result = Uglify.Js(single, new CodeSettings { PreserveImportantComments = true });
        Assert.False(result.HasErrors, string.Join(Environment.NewLine, result.Errors));
        string expected = result.Code + "\n";
        string path = Path.Combine(root, "src/CrafyCaptcha.AspNetCore/wwwroot", $"crafy-captcha.{language}.min.js");
        if (Environment.GetEnvironmentVariable("CRAFY_UPDATE_MINIFIED") == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.True(File.Exists(path) && File.ReadAllText(path) == expected,
            $"{path} is not the {language} build of the widget: run CRAFY_UPDATE_MINIFIED=1 dotnet test tests/CrafyCaptcha.Packaging.Tests --filter MinifiedScriptTests");
        foreach ((string code, string row) in languages)
        {
            string verified = System.Text.RegularExpressions.Regex.Match(row, "\"[^\"]*\"").Value; // its first sentence
            Assert.Equal(code == language, expected.Contains(verified, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void No_language_build_is_left_from_a_language_the_widget_no_longer_has()
    {
        string root = PackedFeed.FindRepositoryRoot();
        string[] codes = [.. Languages(File.ReadAllText(Path.Combine(root, WidgetSource))).Select(l => l.Code)];
        string[] builds = [.. Directory.GetFiles(Path.Combine(root, "src/CrafyCaptcha.AspNetCore/wwwroot"), "crafy-captcha.??.min.js").Select(f => Path.GetFileName(f)[14..16]).Order()];
        Assert.Equal(codes.Order(), builds);
    }

    /// <summary>The rows of the widget's <c>TEXT</c> table: <c>    xx: [...],</c> lines between <c>var TEXT = {</c> and <c>};</c>.</summary>
    private static (string Code, string Row)[] Languages(string source)
    {
        int start = source.IndexOf("var TEXT = {", StringComparison.Ordinal), end = source.IndexOf("};", start, StringComparison.Ordinal);
        Assert.True(start > 0 && end > start, "the widget's TEXT table was not found");
        return [.. System.Text.RegularExpressions.Regex.Matches(source[start..end], "^    ([a-z]{2}): \\[.*\\],?\\r?\\n", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => (m.Groups[1].Value, m.Value))];
    }
}
