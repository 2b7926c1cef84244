using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>A person's path through the sample in a real browser: page, widget, iframe, invisible pass, token, submit.</summary>
[Collection("Browser")] // one browser test class at a time: each starts its own site and chromium
public sealed class BrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string TokenFilled = "([name, within]) => { const i = document.querySelector(`${within}input[name=\"${name}\"]`); return !!i && i.value.length > 100; }";

    /// <summary>Waits for the token in the input named <paramref name="inputName"/> (the first one, or the one under <paramref name="within"/>, a CSS selector prefix).</summary>
    private static Task WaitForTokenAsync(IPage page, string inputName = "CrafyCAPTCHA_token", string within = "")
        => page.WaitForFunctionAsync(TokenFilled, new[] { inputName, within }, new PageWaitForFunctionOptions { Timeout = 30_000 });

    /// <summary>Signs in on the sample's login page (any email, any password) and waits for the welcome page.</summary>
    private static async Task SignInAsync(IPage page)
    {
        await page.FillAsync("#Email", "ana@example.com");
        await page.FillAsync("#Password", "hunter2");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("h1:has-text('Welcome')");
    }

    [Fact]
    public async Task Login_passes_invisibly_and_the_server_accepts_the_token_once()
    {
        IPage page = await fixture.NewPageAsync();
        var stopwatch = Stopwatch.StartNew();
        await page.GotoAsync("/Account/Login");
        await WaitForTokenAsync(page);
        stopwatch.Stop();
        string token = await page.Locator("input[name=CrafyCAPTCHA_token]").InputValueAsync();
        await File.AppendAllTextAsync(Path.Combine(BrowserFixture.ArtifactsDirectory, "timings.txt"),
            string.Create(CultureInfo.InvariantCulture, $"page load to token (login, invisible): {stopwatch.ElapsedMilliseconds} ms{Environment.NewLine}"));
        Assert.Equal("Verified", await page.Locator("#crafy-captcha-1 .crafy-status").TextContentAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "login-light.png") });

        await SignInAsync(page);
        Assert.Contains("Welcome, ana@example.com", await page.ContentAsync(), StringComparison.Ordinal);

        // The same token posted again (as a replaying attacker would, with a fresh antiforgery token) is rejected.
        await page.GotoAsync("/Account/Login");
        string replayHtml = await page.EvaluateAsync<string>(
            @"async token => {
                const form = new FormData(document.querySelector('form'));
                form.set('Email', 'eve@example.com'); form.set('Password', 'x'); form.set('CrafyCAPTCHA_token', token);
                const r = await fetch('/Account/Login', { method: 'POST', body: new URLSearchParams(form) });
                return await r.text();
            }", token);
        Assert.Contains("This verification was already used or is no longer valid", replayHtml, StringComparison.Ordinal); // the replay message (ModelState mode)
        Assert.DoesNotContain("Welcome", replayHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Markup_above_the_form_with_the_widgets_id_and_input_name_captures_neither_the_widget_nor_its_token()
    {
        // A comment shown above the form (its sanitizer keeps id and name): the widget still draws in its own container,
        // the token still goes into the form, and the form still signs in.
        IPage page = await fixture.NewPageAsync();
        await page.AddInitScriptAsync("""
            new MutationObserver((_, observer) => {
              if (document.body) { observer.disconnect(); document.body.insertAdjacentHTML('afterbegin', '<div id="crafy-captcha-1" class="decoy"></div><input name="CrafyCAPTCHA_token" class="decoy">'); }
            }).observe(document, { childList: true, subtree: true });
            """);

        await page.GotoAsync("/Account/Login");
        await WaitForTokenAsync(page, "CrafyCAPTCHA_token", "#crafy-captcha-1 > ");

        Assert.Equal(0, await page.Locator("div.decoy .crafy-box").CountAsync());
        Assert.Equal(1, await page.Locator("form .crafy-box").CountAsync());
        Assert.Equal(string.Empty, await page.Locator("input.decoy").InputValueAsync());
        await SignInAsync(page);
    }

    [Fact]
    public async Task Markup_that_clobbers_the_documents_and_the_forms_methods_does_not_stop_the_widget()
    {
        // What a default HTML sanitizer keeps (img and input with a name) stands in for document.createElement, body, head,
        // querySelectorAll and baseURI, and inside the form for its addEventListener, appendChild and requestSubmit; an
        // unchecked checkbox of the token's name sits in the form before the widget, and a hidden input of that name with a
        // spent token (a page's own, re-filled after a failed post). The widget still draws, empties that twin, its token
        // is the one posted, and the person signs in.
        IPage page = await fixture.NewPageAsync();
        // (In the page only: the challenge iframe is the engine's, and shows no page markup.)
        await page.AddInitScriptAsync("""
            let clobbered = false;
            if (window.top === window) new MutationObserver((_, observer) => {
              const form = document.querySelector('form');
              if (document.body && !clobbered) {
                clobbered = true;
                document.body.insertAdjacentHTML('afterbegin', '<img name="createElement"><img name="createElementNS"><img name="getElementById"><img name="body"><img name="body"><img name="head"><img name="head"><img name="querySelectorAll"><img name="baseURI"><img name="currentScript">');
              }
              if (form) {
                observer.disconnect();
                form.insertAdjacentHTML('afterbegin', '<input type="hidden" name="addEventListener"><input type="hidden" name="appendChild"><input type="hidden" name="requestSubmit"><input type="hidden" name="elements"><input type="checkbox" name="CrafyCAPTCHA_token"><input type="hidden" name="CrafyCAPTCHA_token" value="a-spent-token-the-page-re-filled">');
              }
            }).observe(document, { childList: true, subtree: true });
            """);

        await page.GotoAsync("/Account/Login");
        await WaitForTokenAsync(page, "CrafyCAPTCHA_token", "#crafy-captcha-1 > ");

        Assert.True(await page.EvaluateAsync<bool>("() => typeof document.createElement !== 'function' && typeof document.querySelector('form').addEventListener !== 'function'"), "the markup does clobber them");
        Assert.Equal("Verified", await page.Locator("#crafy-captcha-1 .crafy-status").TextContentAsync());
        await SignInAsync(page);
    }

    [Fact]
    public async Task A_widget_whose_call_a_loader_runs_from_the_head_still_binds_to_its_own_container()
    {
        // jQuery's .html() (unobtrusive-ajax partials, modals) inserts markup with its scripts inert and runs each inline
        // script as a new <script> in <head>: there the call's parent is <head>, so it falls back to the container's id.
        IPage page = await fixture.NewPageAsync();
        await page.RouteAsync("**/Account/Login", async route =>
        {
            IAPIResponse response = await route.FetchAsync();
            string html = await response.TextAsync();
            System.Text.RegularExpressions.Match call = System.Text.RegularExpressions.Regex.Match(html, "(<div id=\"crafy-captcha-1\"[^>]*>)<script>(.*?)</script></div>", System.Text.RegularExpressions.RegexOptions.Singleline);
            Assert.True(call.Success, "the tag helper's markup changed");
            html = html.Replace(call.Value, call.Groups[1].Value + "</div>", StringComparison.Ordinal)
                .Replace("</body>", "<script>const s = document.createElement('script'); s.text = " + System.Text.Json.JsonSerializer.Serialize(call.Groups[2].Value) + "; document.head.appendChild(s);</script></body>", StringComparison.Ordinal);
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = html });
        });

        await page.GotoAsync("/Account/Login");
        await WaitForTokenAsync(page, "CrafyCAPTCHA_token", "form #crafy-captcha-1 > ");

        Assert.Equal(1, await page.Locator("form #crafy-captcha-1 .crafy-box").CountAsync());
        Assert.Equal(0, await page.Locator("head .crafy-box, head input").CountAsync());
    }

    [Fact]
    public async Task A_page_that_loads_the_widget_script_twice_keeps_one_widget_registry()
    {
        // A layout that has its own <script src=crafy-captcha…> besides the tag helper's: the second copy must not replace
        // the first, or CrafyCAPTCHA.get (and the Turnstile bridge's prototype) would no longer know the page's widgets.
        IPage page = await fixture.NewPageAsync();
        await page.RouteAsync("**/Account/Login", async route =>
        {
            IAPIResponse response = await route.FetchAsync();
            string html = (await response.TextAsync()).Replace("</body>", "<script src=\"/_content/CrafyCaptcha.AspNetCore/crafy-captcha.de.min.js\"></script></body>", StringComparison.Ordinal);
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = html });
        });

        await page.GotoAsync("/Account/Login");
        await WaitForTokenAsync(page);
        await page.WaitForFunctionAsync("() => performance.getEntriesByType('resource').some(r => r.name.includes('crafy-captcha.de.min.js'))");

        Assert.True(await page.EvaluateAsync<bool>("() => window.CrafyCAPTCHA.get('crafy-captcha-1') !== null"), "the page's widget is no longer known");
        // Whichever copy ran first (the tag helper's is async, the layout's here is not) is the page's one widget script.
        Assert.Contains(await page.Locator("#crafy-captcha-1 .crafy-status").TextContentAsync(), new[] { "Verified", "Bestätigt" });
        Assert.Equal(1, await page.Locator(".crafy-box").CountAsync());
    }

    [Fact]
    public async Task Two_widgets_on_one_page_each_get_a_token_and_the_second_form_posts()
    {
        IPage page = await fixture.NewPageAsync("dark");
        await page.GotoAsync("/Contact");

        await WaitForTokenAsync(page, "CrafyCAPTCHA_token");
        await WaitForTokenAsync(page, "CrafyCAPTCHA_token_2");
        string first = await page.Locator("input[name=CrafyCAPTCHA_token]").InputValueAsync();
        string second = await page.Locator("input[name=CrafyCAPTCHA_token_2]").InputValueAsync();
        Assert.NotEqual(first, second);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "two-widgets-light-and-dark.png"), FullPage = true });

        await page.FillAsync("#author2", "Ana");
        await page.FillAsync("#text2", "Feedback from the second form");
        await page.Locator("main > form").Nth(1).Locator("button[type=submit]").ClickAsync();
        await page.WaitForURLAsync("**/Comments", new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Feedback from the second form");
    }

    // The puzzle policy's register form (slider, connect): see PuzzleBrowserTests.
}
