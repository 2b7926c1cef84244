using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace CrafyCaptcha.Server.ControlPanel.Tests;

/// <summary>The create-credential page in Debian's chromium (Playwright), on Kestrel on 127.0.0.1, as an admin uses it.</summary>
public sealed class CreateCredentialBrowserTests
{
    [Fact]
    public async Task An_admin_creates_a_credential_through_the_form_and_sees_its_secret_once()
    {
        await using PanelHost host = await PanelHost.StartAsync(kestrel: true);
        await using CrafyCaptcha.Testing.PersonBrowser browser = await CrafyCaptcha.Testing.PersonBrowser.LaunchAsync();
        IPage page = await browser.NewPageAsync(host.BaseAddress);
        await page.Context.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { ["X-Test-User"] = "ana", ["X-Test-Role"] = "admin" });

        await page.GotoAsync("/crafy/admin/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Create a credential" }).ClickAsync();
        await page.GetByLabel("Name").FillAsync("Shop");
        await page.GetByLabel("Plan").SelectOptionAsync("growth");
        await page.GetByLabel("Allowed domains (one per line)").FillAsync("shop.example\nBücher.de");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Credential created" })).ToBeVisibleAsync();
        string secret = await page.Locator("#secret-key").InnerTextAsync();
        string publicKey = await page.Locator("#public-key").InnerTextAsync();
        Assert.Matches("^sk_[0-9a-f]{64}$", secret);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("shown once");

        // Opening the credential (the link on that page) never shows the secret again.
        await page.GetByRole(AriaRole.Link, new() { Name = "Open the credential" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Shop", Exact = true })).ToBeVisibleAsync();
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
        await Assertions.Expect(page.GetByLabel(new Regex("^Host names allowed"))).ToHaveValueAsync("shop.example\nxn--bcher-kva.de");

        await page.GotoAsync("/crafy/admin/");
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = publicKey })).ToContainTextAsync("growth");
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        // Every panel page is no-store: no secret is kept in the browser cache.
        IResponse? again = await page.GotoAsync("/crafy/admin/credentials/new");
        Assert.Equal("no-store", again!.Headers["cache-control"]);
    }
}
