using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace CrafyCaptcha.Docs.Tests;

/// <summary>
/// Every getting-started block is run, not just compiled: the apps of README.md and docs/integrations (quick start,
/// MVC, Razor Pages, minimal API, Blazor) are built from the docs' blocks (<see cref="DocsApps"/>), started, and their
/// forms posted in chromium as a person does: a pass is accepted; a post without a token (the widget script blocked,
/// as an ad blocker would) is refused, with what was typed still in the form. A page that answers 404 fails.
/// </summary>
public sealed partial class DocsAppTests(DocsApps apps, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<DocsApps>
{
    private const string MissingMessage = "Please complete the captcha before sending the form.";

    [Fact]
    public void The_docs_apps_build_from_the_blocks_and_the_blocks_agree()
    {
        Assert.True(apps.Build.ExitCode == 0, "the docs apps do not build:\n" + apps.Build);
        output.WriteLine($"{DocsApps.Templates.Count} docs apps made and built in {apps.SetUpTime.TotalSeconds:0} s");
        Assert.Empty(apps.Disagreements);
        foreach (string app in DocsApps.Templates.Keys)
        {
            Assert.True(apps.Sources[app].Any(s => s.AppFile!.Path == "Program.cs"), $"no Program.cs block for the docs app '{app}'");
        }

        // The docs' own files build without a warning (the template's and the repository's are not ours to judge here).
        string[] warnings = [.. (apps.Build.Output + apps.Build.Error).Split('\n').Where(l => l.Contains(": warning ", StringComparison.Ordinal) && DocsFileRegex().IsMatch(l))];
        Assert.True(warnings.Length == 0, "the docs' blocks build with warnings:\n" + string.Join('\n', warnings));
    }

    [Fact]
    public Task The_quick_start_protects_its_form()
        => PostFormAsync("quickstart", "/Contact", "#Message", "Hello from the quick start", "#sent", "Sent: Hello from the quick start");

    [Fact]
    public Task The_MVC_app_serves_its_login_and_protects_it()
        => PostFormAsync("mvc", "/Account/Login", "#Email", "ana@example.com", "body", "Welcome, ana@example.com");

    [Fact]
    public Task The_Razor_Pages_app_protects_its_registration()
        => PostFormAsync("razor-pages", "/Register", "#Email", "kim@example.com", "#registered", "Registered kim@example.com.");

    [Fact]
    public Task The_minimal_API_app_protects_its_endpoint_and_the_fetch_form_keeps_its_text()
        => PostFormAsync("minimal-api", "/Comments", "#text", "A comment through fetch", "#result", "Saved: A comment through fetch", "(captcha_missing)");

    [Fact]
    public Task The_Blazor_app_protects_its_statically_rendered_form()
        => PostFormAsync("blazor", "/contact", "#message", "Hello from Blazor", "#sent", "Sent: Hello from Blazor");

    /// <summary>
    /// The page answers 200; with the widget it passes and the form's work is done; with the widget script blocked the
    /// post is refused with the captcha message and the typed text stays in <paramref name="input"/>.
    /// </summary>
    private async Task PostFormAsync(string app, string path, string input, string text, string done, string doneText, string? refusedExtra = null)
    {
        Assert.True(apps.Build.ExitCode == 0, "the docs apps do not build:\n" + apps.Build);
        RunningApp running = await apps.StartAsync(app);

        // A person: the widget passes invisibly, the form does its work.
        IPage page = await apps.Browser.NewPageAsync(running.BaseUrl);
        try
        {
            IResponse? response = await page.GotoAsync(path);
            Assert.True(response?.Status == 200, $"{app}: GET {path} answered {response?.Status}\n{running.Log}");
            await page.FillAsync(input, text);
            await WaitForTokenAsync(page, app, running);
            await page.Locator("form button[type=submit]").First.ClickAsync();
            await Assertions.Expect(page.Locator(done)).ToContainTextAsync(doneText, new LocatorAssertionsToContainTextOptions { Timeout = 20_000 });
        }
        finally
        {
            await page.Context.CloseAsync();
        }

        // No token: the widget script does not load (a blocker), the form is posted as it is.
        IPage blocked = await apps.Browser.NewPageAsync(running.BaseUrl);
        try
        {
            await blocked.RouteAsync(new Regex(@"/_content/CrafyCaptcha\.AspNetCore/crafy-captcha[^/]*\.js"), route => route.AbortAsync());
            IResponse? response = await blocked.GotoAsync(path);
            Assert.True(response?.Status == 200, $"{app}: GET {path} answered {response?.Status}");
            await blocked.FillAsync(input, text);
            await blocked.Locator("form button[type=submit]").First.ClickAsync();
            await Assertions.Expect(blocked.Locator("body")).ToContainTextAsync(MissingMessage, new LocatorAssertionsToContainTextOptions { Timeout = 20_000 });
            if (refusedExtra is not null)
            {
                await Assertions.Expect(blocked.Locator("body")).ToContainTextAsync(refusedExtra);
            }

            Assert.Equal(text, await blocked.Locator(input).InputValueAsync());
            Assert.DoesNotContain(doneText, await blocked.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await blocked.Context.CloseAsync();
        }
    }

    private static async Task WaitForTokenAsync(IPage page, string app, RunningApp running)
    {
        try
        {
            await page.WaitForFunctionAsync("() => [...document.querySelectorAll('input[name=CrafyCAPTCHA_token]')].some(i => i.value.length > 100)", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            string status = await page.EvaluateAsync<string>("() => document.querySelector('.crafy-captcha')?.innerText ?? '(no widget on the page)'");
            throw new Xunit.Sdk.XunitException($"{app}: no token within 30 s; the widget says: {status}\n{running.Log}");
        }
    }

    [GeneratedRegex(@"crafy-docs-apps-[0-9a-f]+/[\w-]+/(Program\.cs|Pages/|Controllers/|Views/|Components/Pages/Contact)")]
    private static partial Regex DocsFileRegex();
}
