using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// When the site could not get the credential's public token (the hosted API down or rate-limited), the page is
/// rendered at once with <c>data-crafy-error="public_token_unavailable"</c> on the widget's container: the widget shows
/// its error state and calls <c>onError</c> instead of loading a challenge that cannot work.
/// </summary>
[Collection("Browser")]
public sealed class WidgetErrorStateBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_page_rendered_without_a_public_token_shows_the_error_state_and_loads_no_challenge()
    {
        IPage page = await fixture.NewPageAsync();
        var challengeLoads = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/crafy/challenge/", StringComparison.Ordinal) && request.Method == "POST")
            {
                Interlocked.Increment(ref challengeLoads);
            }
        };

        // What the server writes when HostedPublicTokenProvider has no token: the container marked, the token empty.
        await page.RouteAsync("**/Comments", async route =>
        {
            IAPIResponse response = await route.FetchAsync();
            string html = await response.TextAsync();
            html = html.Replace("class=\"crafy-captcha\"", "class=\"crafy-captcha\" data-crafy-error=\"public_token_unavailable\"", StringComparison.Ordinal);
            html = Regex.Replace(html, "(c\\.init\\(e,\"[^\"]+\",)\"[^\"]+\"", "$1\"\"");
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = html });
        });

        await page.GotoAsync("/Comments");
        await Assertions.Expect(page.Locator("#crafy-captcha-1 .crafy-status")).ToHaveTextAsync("Connection error", new LocatorAssertionsToHaveTextOptions { Timeout = 10_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "widget-no-public-token.png"), FullPage = true });
        await Task.Delay(2500); // the widget would have loaded its challenge by now

        Assert.Equal(0, Volatile.Read(ref challengeLoads));
        Assert.True(await page.EvaluateAsync<bool>("() => !document.querySelector('input[name=CrafyCAPTCHA_token]')?.value"), "no token without a challenge");
    }
}
