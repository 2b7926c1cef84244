using Microsoft.Playwright;

namespace CrafyCaptcha.Docs.Tests;

/// <summary>
/// The README's two pictures (docs/images) are of the sample as it is: the login form with the widget passed, the
/// registration with its slider puzzle. The test takes both again each run and checks the committed files are those
/// pictures' size; <c>CRAFY_UPDATE_SCREENSHOTS=1</c> writes them (then commit docs/images).
/// </summary>
public sealed class ScreenshotTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly bool Update = Environment.GetEnvironmentVariable("CRAFY_UPDATE_SCREENSHOTS") == "1";

    [Fact]
    public async Task The_widget_picture_is_the_login_form_with_the_widget_passed()
    {
        IPage page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Email", "ana@example.com");
        await page.FillAsync("#Password", "correct horse battery staple");
        await page.WaitForFunctionAsync("() => document.querySelector('input[name=CrafyCAPTCHA_token]')?.value.length > 100", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        Assert.Equal("Verified", await page.Locator("#crafy-captcha-1 .crafy-status").TextContentAsync());

        await CompareOrWriteAsync("widget.png", await Form(page).ScreenshotAsync());
    }

    [Fact]
    public async Task The_puzzle_picture_is_the_registration_with_its_slider()
    {
        IPage page = await fixture.NewPageAsync();
        await page.GotoAsync("/Register");
        await page.FillAsync("#Input_UserName", "ana");
        await page.FillAsync("#Input_Email", "ana@example.com");
        await page.WaitForFunctionAsync("() => !document.querySelector('#crafy-captcha-1 iframe')?.hasAttribute('aria-hidden')", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        ILocator canvas = page.FrameLocator("#crafy-captcha-1 iframe").Locator("#pz-canvas");
        await canvas.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await page.WaitForFunctionAsync("() => document.querySelector('#crafy-captcha-1 iframe').getBoundingClientRect().height > 150", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        await page.WaitForTimeoutAsync(1000); // the box's resize and the picture's fade-in settle

        await CompareOrWriteAsync("puzzle.png", await Form(page).ScreenshotAsync());
    }

    private static ILocator Form(IPage page) => page.Locator("main");

    private static async Task CompareOrWriteAsync(string name, byte[] taken)
    {
        string path = Path.Combine(Snippets.RepositoryRoot, "docs", "images", name);
        if (Update)
        {
            await File.WriteAllBytesAsync(path, taken);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the test with CRAFY_UPDATE_SCREENSHOTS=1");
        (int width, int height) committed = PngSize(await File.ReadAllBytesAsync(path));
        (int width, int height) now = PngSize(taken);
        Assert.True(Math.Abs(committed.width - now.width) <= 4 && Math.Abs(committed.height - now.height) <= now.height / 10,
            $"docs/images/{name} is {committed.width}×{committed.height}, the page now gives {now.width}×{now.height}: run with CRAFY_UPDATE_SCREENSHOTS=1 and commit it");
    }

    /// <summary>Width and height from a PNG's IHDR chunk.</summary>
    private static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.True(png.Length > 24 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G', "not a PNG");
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
    }
}
