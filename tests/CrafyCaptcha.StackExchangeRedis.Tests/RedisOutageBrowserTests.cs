using Microsoft.Playwright;

namespace CrafyCaptcha.StackExchangeRedis.Tests;

/// <summary>The sample on a real redis-server by configuration (<c>ConnectionStrings:Redis</c>), in a person's chromium.</summary>
public sealed class RedisSampleBrowserFixture : BrowserFixture, IAsyncLifetime
{
    public RedisServer Redis { get; } = new();

    async Task IAsyncLifetime.InitializeAsync()
    {
        await Redis.InitializeAsync();
        await InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Redis.DisposeAsync();
    }

    protected override void Configure(IDictionary<string, string?> settings) => settings["ConnectionStrings:Redis"] = Redis.Configuration;
}

/// <summary>
/// Redis stops while a person opens a form: the options endpoint answers 503 <c>captcha_unavailable</c>. The widget must
/// say it is temporarily unavailable (not that the options were made with another key), load no challenge with nothing,
/// and recover by itself when Redis is back, so the person posts the form without reloading the page.
/// </summary>
public sealed class RedisOutageBrowserTests(RedisSampleBrowserFixture fixture) : IClassFixture<RedisSampleBrowserFixture>
{
    [Fact]
    public async Task With_Redis_stopped_the_widget_says_temporarily_unavailable_and_recovers_by_itself_when_it_returns()
    {
        IPage page = await fixture.NewPageAsync();
        var challengeLoads = new List<string>();
        var optionsAnswers = new List<int>();
        page.Request += (_, request) => { if (request.Url.Contains("/crafy/challenge/", StringComparison.Ordinal) && request.Method == "POST" && !request.Url.Contains("verify", StringComparison.Ordinal)) { lock (challengeLoads) { challengeLoads.Add(request.Url); } } };
        page.Response += (_, response) => { if (response.Url.EndsWith("/crafy-options", StringComparison.Ordinal)) { lock (optionsAnswers) { optionsAnswers.Add(response.Status); } } };

        await fixture.Redis.StopAsync();
        try
        {
            IResponse? shown = await page.GotoAsync("/Comments");
            Assert.Equal(200, shown!.Status); // the page itself still renders (without its first eo)
            ILocator status = page.Locator("#crafy-captcha-1 .crafy-status");
            await Assertions.Expect(status).ToHaveTextAsync("Temporarily unavailable. Try again", new() { Timeout = 30_000 });
            lock (optionsAnswers)
            {
                Assert.Contains(503, optionsAnswers);
            }

            lock (challengeLoads)
            {
                Assert.Empty(challengeLoads); // no challenge loaded with an empty eo ("made with another secret key, or altered")
            }

            Assert.DoesNotContain("another secret key", await page.ContentAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Redis.StartAsync();
        }

        // Redis is back: the widget asks again by itself (backoff from 2 s), solves the invisible challenge and fills its token.
        await page.WaitForFunctionAsync("() => (document.querySelector('#crafy-captcha-1 input[name=CrafyCAPTCHA_token]')?.value || '').length > 100", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#crafy-captcha-1 .crafy-status")).ToHaveTextAsync("Verified", new() { Timeout = 10_000 });
        await page.FillAsync("#author", "Ana");
        await page.FillAsync("#text", "Posted after Redis came back, without reloading the page.");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("#comments li:has-text('Posted after Redis came back')", new PageWaitForSelectorOptions { Timeout = 30_000 });
    }
}
