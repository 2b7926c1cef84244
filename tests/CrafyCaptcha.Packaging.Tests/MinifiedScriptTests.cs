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
}
