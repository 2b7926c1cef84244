using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// What a developer sees in chromium's console when their own reloads climb the ladder: in Development the escalation
/// and the refusal name their reason and setting; in Production the console says nothing of it (the ladder is the same).
/// </summary>
[Collection("Browser")]
public sealed class DevelopmentHintBrowserTests
{
    [Fact]
    public async Task In_development_the_console_names_the_escalation_and_the_refusal()
    {
        List<string> console = await ReloadThreeTimesAsync(Environments.Development);

        Assert.Contains(console, m => m.StartsWith("warning [CrafyCAPTCHA engine] escalated to checkbox", StringComparison.Ordinal)
            && m.Contains("1 load from 127.0.0.1 in 10 minutes (free: 0, see CrafyChallengeServer:Risk:IpFreeLoads)", StringComparison.Ordinal));
        Assert.Contains(console, m => m == "warning [CrafyCAPTCHA engine] refused (429): 3 loads from 127.0.0.1 in 10 minutes (over CrafyChallengeServer:Risk:IpLoadsRefused = 2)");
        Assert.Contains(console, m => m.StartsWith("warning [CrafyCAPTCHA] error: Too many challenges from this address", StringComparison.Ordinal));
    }

    [Fact]
    public async Task In_production_the_console_says_nothing_of_it()
    {
        List<string> console = await ReloadThreeTimesAsync(Environments.Production);

        Assert.DoesNotContain(console, m => m.Contains("CrafyCAPTCHA", StringComparison.Ordinal));
    }

    /// <summary>
    /// Opens the static page three times in one browser against a site whose first load already escalates and whose
    /// third is refused; returns the console messages of the page and its frames ("type text"), after the third
    /// widget shows its error.
    /// </summary>
    private static async Task<List<string>> ReloadThreeTimesAsync(string environment)
    {
        string root = Path.Combine(Path.GetTempPath(), "crafy-hint-browser-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "wwwroot"));
        await File.WriteAllTextAsync(Path.Combine(root, "wwwroot", "static.html"), WidgetSettingsBrowserTests.Page);
        await using WebApplication app = WidgetSettingsBrowserTests.SpaSite.Build(root, environment, new Dictionary<string, string?>
        {
            ["CrafyChallengeServer:Risk:IpFreeLoads"] = "0",
            ["CrafyChallengeServer:Risk:IpLoadsToFullWeight"] = "1",
            ["CrafyChallengeServer:Risk:IpLoadsRefused"] = "2",
        });
        await app.StartAsync();
        try
        {
            await using PersonBrowser browser = await PersonBrowser.LaunchAsync();
            IPage page = await browser.NewPageAsync(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()));
            var console = new List<string>();
            page.Console += (_, message) => { lock (console) { console.Add(message.Type + " " + message.Text); } };
            for (int load = 1; load <= 3; load++)
            {
                await page.GotoAsync("/static.html");
                // Each load ends when the challenge page has spoken: a checkbox to tick (loads 1, 2) or a refusal (3).
                await page.WaitForFunctionAsync(
                    load < 3 ? "() => { const f = document.querySelector('#captcha iframe'); return !!f && f.getBoundingClientRect().height > 20; }" : "() => document.querySelector('#captcha .crafy-status')?.textContent.includes('Too many')",
                    null,
                    new PageWaitForFunctionOptions { Timeout = 30_000 });
            }

            await page.Context.CloseAsync();
            lock (console)
            {
                return [.. console];
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
