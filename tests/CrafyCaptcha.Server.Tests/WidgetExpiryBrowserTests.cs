using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>The sample with tokens that live 20 seconds (<c>CrafyChallengeServer:TokenLifetime</c>).</summary>
public sealed class ShortTokenBrowserFixture : BrowserFixture
{
    protected override void Configure(IDictionary<string, string?> settings)
        => settings["CrafyChallengeServer:TokenLifetime"] = "00:00:20";
}

/// <summary>
/// Token lifetimes come from the engine (the signed <c>expires_at</c>), not from a constant in the widget; a new
/// challenge never re-posts a spent eo; a refused flow tells the widget (CHALLENGE_REFUSED) instead of hanging.
/// </summary>
[Collection("Browser")]
public sealed class WidgetExpiryBrowserTests(ShortTokenBrowserFixture fixture) : IClassFixture<ShortTokenBrowserFixture>
{
    private const string Input = "input[name=CrafyCAPTCHA_token]";

    // Every 50 ms: is "Verified" shown over a token that is missing or past its expires_at? (The token is base64 of
    // {"payload": "<the signed payload JSON>", ...}.)
    private const string Monitor = """
        () => {
          window.__crafyBad = [];
          setInterval(() => {
            const label = document.querySelector('#crafy-captcha-1 .crafy-status');
            const input = document.querySelector('input[name=CrafyCAPTCHA_token]');
            if (!label || label.textContent !== 'Verified') { return; }
            let expires = NaN;
            try { expires = Date.parse(JSON.parse(JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(input.value), c => c.charCodeAt(0)))).payload).expires_at); } catch (e) { }
            if (!(expires > Date.now())) { window.__crafyBad.push(new Date().toISOString()); }
          }, 50);
        }
        """;

    private static Task<string> NewTokenAsync(IPage page, string? previous, int timeout = 30_000)
        => page.WaitForFunctionAsync(
            "prev => { const i = document.querySelector('input[name=CrafyCAPTCHA_token]'); return !!i && i.value.length > 100 && i.value !== prev ? i.value : null; }",
            previous, new PageWaitForFunctionOptions { Timeout = timeout, PollingInterval = 50 })
            .ContinueWith(t => t.Result.JsonValueAsync<string>(), TaskScheduler.Default).Unwrap();

    private static async Task PostCommentAsync(IPage page, string text)
    {
        await page.FillAsync("#author", "Ana");
        await page.FillAsync("#text", text);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync($"#comments li:has-text('{text}')", new PageWaitForSelectorOptions { Timeout = 30_000 });
    }

    [Fact]
    public async Task With_a_20_second_token_lifetime_a_person_who_waits_50_s_after_the_pass_and_then_submits_is_accepted()
    {
        IPage page = await fixture.NewPageAsync();
        await page.GotoAsync("/Comments");
        string first = await NewTokenAsync(page, null);
        await page.EvaluateAsync(Monitor);

        // The token expires (renewed ~2 s before its 20 s): the input is emptied and the row says "verifying" while a
        // fresh eo is solved, never "Verified" over the expired token.
        await page.WaitForFunctionAsync(
            "() => document.querySelector('input[name=CrafyCAPTCHA_token]').value === '' && document.querySelector('#crafy-captcha-1 .crafy-status').textContent === 'Verifying…'",
            null, new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 10 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "comments-token-renewing.png") });
        string second = await NewTokenAsync(page, first);
        Assert.Equal("Verified", await page.Locator("#crafy-captcha-1 .crafy-status").TextContentAsync());

        await page.WaitForTimeoutAsync(50_000 - 20_000);
        string atSubmit = await page.Locator(Input).InputValueAsync();
        Assert.NotEqual(first, atSubmit);
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.__crafyBad"));
        await PostCommentAsync(page, "Written slowly, over fifty seconds");
        Assert.DoesNotContain("captcha-error", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Reset_after_a_successful_pass_yields_a_new_token_that_the_server_accepts()
    {
        IPage page = await fixture.NewPageAsync();
        await page.GotoAsync("/Comments");
        string first = await NewTokenAsync(page, null);

        await page.EvaluateAsync("() => CrafyCAPTCHA.get('crafy-captcha-1').reset()");
        string second = await NewTokenAsync(page, first);
        Assert.NotEqual(first, second);

        await PostCommentAsync(page, "Posted after reset()");
        Assert.DoesNotContain("captcha-error", await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reload_that_posts_the_spent_eo_is_refused_out_loud_and_recovers_with_a_fresh_one()
    {
        IPage page = await fixture.NewPageAsync();
        var refusals = new List<int>();
        page.Response += (_, r) => { if (r.Url.Contains("/challenge", StringComparison.Ordinal) && r.Request.Method == "POST") { lock (refusals) { refusals.Add(r.Status); } } };
        await page.GotoAsync("/Comments");
        string first = await NewTokenAsync(page, null);

        // What the widget used to do on reset(): load the iframe again with the same (now spent) eo.
        await page.EvaluateAsync("() => { const c = CrafyCAPTCHA.get('crafy-captcha-1'); c.isSolved = false; c._loadRequested = false; c._load(); }");

        // The engine answers 410 and its page says so to the widget (CHALLENGE_REFUSED): the widget fetches a fresh eo
        // and passes, well before the 3-second silence detection would have shown an error.
        string second = await NewTokenAsync(page, first, timeout: 20_000);
        Assert.NotEqual(first, second);
        lock (refusals)
        {
            Assert.Contains(410, refusals);
        }

        Assert.Equal("Verified", await page.Locator("#crafy-captcha-1 .crafy-status").TextContentAsync());
        await PostCommentAsync(page, "Posted after a spent reload");
    }

    [Fact]
    public async Task An_interactive_pass_whose_token_lapses_says_session_expired_and_asks_again()
    {
        IPage page = await fixture.NewPageAsync();
        PuzzleHands.Images image = await PuzzleHands.Images.WatchAsync(page);
        await page.GotoAsync("/Register"); // the puzzle policy: a person must act, so a lapsed token cannot be renewed silently
        await PuzzleHands.ShownAsync(page); // a challenge with a step shows itself in the box (no click needed)
        await PuzzleHands.SolveAsync(page, image);

        ILocator status = page.Locator($"{PuzzleHands.Widget} .crafy-status");
        Assert.Equal("Verified", await status.TextContentAsync());
        Assert.False(string.IsNullOrEmpty(await page.Locator(Input).InputValueAsync()));

        // 20 s tokens: renewed ~2 s before they lapse — here by asking again.
        await Assertions.Expect(status).ToHaveTextAsync("Session expired", new() { Timeout = 30_000 });
        Assert.Equal(string.Empty, await page.Locator(Input).InputValueAsync());
        await page.Locator($"{PuzzleHands.Widget} .crafy-box").ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "widget-state-expired-light-ltr.png") });

        // Asking again loads a new puzzle (a fresh eo, not the spent one).
        await page.ClickAsync($"{PuzzleHands.Widget} .crafy-start");
        await PuzzleHands.ShownAsync(page);
        await page.Context.CloseAsync();
    }
}
