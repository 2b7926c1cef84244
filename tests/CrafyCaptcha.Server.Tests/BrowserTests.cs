using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>A person's path through the sample in a real browser: page, widget, iframe, invisible pass, token, submit.</summary>
public sealed class BrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Login_passes_invisibly_and_the_server_accepts_the_token_once()
    {
        IPage page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login");

        ILocator token = page.Locator("input[name=CrafyCAPTCHA_token]");
        await token.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 20_000 });
        await page.WaitForFunctionAsync("() => document.querySelector('input[name=CrafyCAPTCHA_token]').value.length > 100", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        string value = await token.InputValueAsync();

        await page.FillAsync("#Email", "ana@example.com");
        await page.FillAsync("#Password", "hunter2");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/Account/Login");

        Assert.Contains("Welcome, ana@example.com", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.True(value.Length > 100);
    }
}
