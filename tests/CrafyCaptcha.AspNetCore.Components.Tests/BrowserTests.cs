using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace CrafyCaptcha.AspNetCore.Components.Tests;

/// <summary>The Blazor Identity sample on Kestrel (127.0.0.1) and Debian's chromium as a person's browser.</summary>
public sealed class BlazorBrowserFixture : IAsyncLifetime
{
    private global::CrafyCaptcha.Testing.PersonBrowser? _browser;

    public BlazorIdentityApp App { get; } = new();

    public Uri BaseUrl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        App.StartServer();
        BaseUrl = App.ClientOptions.BaseAddress;
        _browser = await global::CrafyCaptcha.Testing.PersonBrowser.LaunchAsync();
    }

    public Task<IPage> NewPageAsync() => _browser!.NewPageAsync(BaseUrl);

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        await App.DisposeAsync();
    }
}

/// <summary>
/// A person's path through the Blazor Identity sample in a real browser: each form passes the widget (invisible here);
/// the widget survives enhanced navigation and an enhanced form post that re-renders the form; an interactive-Server
/// form gets its token through JS interop and verifies it on the server; a WebAssembly form and an Auto form (on the
/// server first, on WebAssembly once it is loaded) send theirs to a server endpoint that accepts it once.
/// </summary>
[Collection("Browser")]
public sealed class BrowserTests(BlazorBrowserFixture fixture) : IClassFixture<BlazorBrowserFixture>
{
    private const string Password = "Passw0rd!-long-enough";
    private const string TokenFilled = "() => { const i = document.querySelector('input[name=\"CrafyCAPTCHA_token\"]'); return !!i && i.value.length > 100; }";
    private const string WidgetDrawn = "() => !!document.querySelector('#crafy-captcha-CrafyCAPTCHA_token .crafy-box')";

    private static Task WaitForTokenAsync(IPage page)
        => page.WaitForFunctionAsync(TokenFilled, null, new PageWaitForFunctionOptions { Timeout = 30_000 });

    private static async Task TypeAsync(IPage page, string selector, string text)
    {
        await page.ClickAsync(selector);
        await page.Keyboard.TypeAsync(text, new KeyboardTypeOptions { Delay = 25 });
    }

    [Fact]
    public async Task A_person_registers_confirms_and_signs_in_each_form_passing_the_widget()
    {
        IPage page = await fixture.NewPageAsync();
        string email = $"person-{Guid.NewGuid():N}@example.com";

        await page.GotoAsync("/Account/Register");
        await TypeAsync(page, "#Input\\.Email", email);
        await TypeAsync(page, "#Input\\.Password", Password);
        await TypeAsync(page, "#Input\\.ConfirmPassword", Password);
        await WaitForTokenAsync(page);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/Account/RegisterConfirmation**", new PageWaitForURLOptions { Timeout = 30_000, WaitUntil = WaitUntilState.Commit }); // the emails are sent before the redirect

        (_, _, string link) = Assert.Single(fixture.App.Emails, e => e.Email == email && e.Kind == "confirmation");
        await page.GotoAsync(System.Net.WebUtility.HtmlDecode(link));
        await page.WaitForSelectorAsync("text=Thank you for confirming your email.");

        await page.GotoAsync("/Account/Login");
        await TypeAsync(page, "#Input\\.Email", email);
        await TypeAsync(page, "#Input\\.Password", Password);
        await WaitForTokenAsync(page);
        await page.ClickAsync("button[type=submit]:has-text('Log in')");
        await page.WaitForSelectorAsync($"a.nav-link:has-text('{email}')", new PageWaitForSelectorOptions { Timeout = 30_000 });
    }

    [Theory]
    // Its own widget script from elsewhere.
    [InlineData("""<div class="crafy-captcha" data-crafy-config='{"scriptUrl":"https://evil.example/crafy-captcha.js","publicKey":"pk_x","publicToken":"pt_x","options":{}}'></div>""")]
    // The real script, but the attacker's iframe and signing key (its handshake could then name any Turnstile script), and
    // the real widget's input name (which would stop the real widget as a duplicate).
    [InlineData("""<div class="crafy-captcha" data-crafy-config='{"scriptUrl":"/_content/CrafyCaptcha.AspNetCore/crafy-captcha.min.js","publicKey":"pk_x","publicToken":"pt_x","signingPublicKey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","options":{"inputName":"CrafyCAPTCHA_token","iframeUrl":"https://evil.example/challenge/"}}'></div>""")]
    // Markup that is not JSON, and an element that answers to window.CrafyCAPTCHA (DOM clobbering).
    [InlineData("""<div data-crafy-config="x"></div><img name="CrafyCAPTCHA" src="data:,">""")]
    public async Task Markup_an_attacker_puts_into_the_page_can_neither_pass_for_a_widget_nor_stop_the_real_one(string injected)
    {
        // Markup the page shows (a comment whose sanitizer keeps data-* attributes) above the real widget. The glue reads a
        // widget's settings only from the inert <script type="application/json"> child the component renders, which a
        // sanitizer strips: the injected markup is ignored, and the real widget passes.
        IPage page = await fixture.NewPageAsync();
        var requests = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) => requests.Enqueue(request.Url);
        await page.AddInitScriptAsync($$"""
            new MutationObserver((_, observer) => {
              if (document.body) { observer.disconnect(); document.body.insertAdjacentHTML('afterbegin', {{System.Text.Json.JsonSerializer.Serialize(injected)}}); }
            }).observe(document, { childList: true, subtree: true });
            """);

        await page.GotoAsync("/Account/Login");
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('form input[name=\"CrafyCAPTCHA_token\"]'); return !!i && i.value.length > 100; }", null, new PageWaitForFunctionOptions { Timeout = 30_000 });

        Assert.Equal(1, await page.Locator(".crafy-box").CountAsync());
        Assert.Equal(1, await page.Locator("form .crafy-box").CountAsync()); // the real widget's, in the login form
        Assert.DoesNotContain(requests, url => url.Contains("evil.example", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_widget_survives_enhanced_navigation_between_two_forms()
    {
        IPage page = await fixture.NewPageAsync();
        var optionsRequests = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) => { if (request.Url.Contains("/crafy-options", StringComparison.Ordinal)) { optionsRequests.Enqueue(request.Url); } };
        await page.GotoAsync("/Account/Login");
        await WaitForTokenAsync(page);
        // Each statically rendered form carried its first eo: no round trip to the options endpoint before the challenge,
        // on the first page nor after the enhanced navigations below.
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        await page.ClickAsync("a:has-text('Register as a new user')");
        await page.WaitForURLAsync("**/Account/Register**");
        // The URL changes before the new page's content replaces the old one (the login form's widget, already verified):
        // wait for the register form's own widget, then for its token.
        await page.WaitForFunctionAsync("() => !!document.querySelector('#crafy-captcha-CrafyCAPTCHA_token[data-crafy-policy=\"register\"] .crafy-box')", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        await WaitForTokenAsync(page);
        Assert.Equal("register", await page.GetAttributeAsync("#crafy-captcha-CrafyCAPTCHA_token", "data-crafy-policy"));
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the navigation was not an enhanced one");
        Assert.Equal(1, await page.Locator(".crafy-box").CountAsync());

        await page.ClickAsync("a.nav-link[href='newsletter']");
        await page.WaitForURLAsync("**/newsletter");
        await page.WaitForFunctionAsync("() => !!document.querySelector('#crafy-captcha-CrafyCAPTCHA_token[data-crafy-policy=\"newsletter\"] .crafy-box')", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        await WaitForTokenAsync(page);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"));
        Assert.Empty(optionsRequests);
    }

    [Fact]
    public async Task The_widget_survives_an_enhanced_form_post_that_re_renders_with_a_validation_error()
    {
        IPage page = await fixture.NewPageAsync();
        await page.GotoAsync("/newsletter");
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");
        await TypeAsync(page, "#newsletter-email", "not-an-email");
        await WaitForTokenAsync(page);
        string firstToken = await page.Locator("input[name=CrafyCAPTCHA_token]").InputValueAsync();
        await page.ClickAsync("button[type=submit]");

        await page.WaitForSelectorAsync(".validation-message:has-text('Email field is not a valid e-mail address')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the post was not an enhanced one");
        await page.WaitForFunctionAsync(WidgetDrawn, null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        await page.WaitForFunctionAsync("t => { const i = document.querySelector('input[name=\"CrafyCAPTCHA_token\"]'); return !!i && i.value.length > 100 && i.value !== t; }", firstToken, new PageWaitForFunctionOptions { Timeout = 30_000 });
        Assert.Equal("not-an-email", await page.InputValueAsync("#newsletter-email"));

        await page.FillAsync("#newsletter-email", "");
        await TypeAsync(page, "#newsletter-email", "lena@example.com");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("#newsletter-subscribed:has-text('lena@example.com')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"));
    }

    [Fact]
    public async Task An_interactive_Server_form_gets_a_token_and_verifies_it_on_submit()
    {
        IPage page = await fixture.NewPageAsync();
        await page.GotoAsync("/contact");
        // Interactive once the circuit started the widget through JS interop (typing into the prerendered form before
        // that would be lost when the circuit renders it again: Blazor's prerendering, not the widget).
        await page.WaitForSelectorAsync("#crafy-captcha-CrafyCAPTCHA_token[data-crafy-interactive][data-crafy-initialized]", new PageWaitForSelectorOptions { Timeout = 20_000 });
        await TypeAsync(page, "#contact-name", "Marta");
        await TypeAsync(page, "#contact-message", "Hello from a person.");
        await WaitForTokenAsync(page);

        await page.ClickAsync("button[type=submit]");

        await page.WaitForSelectorAsync("#contact-sent:has-text('Thank you, Marta')", new PageWaitForSelectorOptions { Timeout = 30_000 });
    }

    [Fact]
    public async Task An_interactive_Server_form_whose_widget_script_is_blocked_keeps_its_circuit_says_why_and_passes_once_the_script_loads()
    {
        // An ad blocker, a CSP or the network keeps the widget script away: the circuit must live on.
        IPage page = await fixture.NewPageAsync();
        bool blocked = true;
        int refused = 0;
        await page.RouteAsync(new System.Text.RegularExpressions.Regex(@"/crafy-captcha(\.[a-z]{2})?(\.min)?\.js"), route =>
        {
            if (!blocked)
            {
                return route.ContinueAsync();
            }

            Interlocked.Increment(ref refused);
            return route.AbortAsync("blockedbyclient");
        });
        await page.GotoAsync("/contact");

        // The component's error state: the person reads why, and Blazor's "An unhandled error has occurred" never shows.
        await page.WaitForSelectorAsync(".crafy-captcha-message:has-text('cannot be checked right now')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.True(refused > 0, "the widget script was never requested");
        Assert.False(await page.IsVisibleAsync("#blazor-error-ui"), "the circuit died");

        // The form is still a live form: typing and submitting reach the circuit, which refuses without a token and says why.
        await TypeAsync(page, "#contact-name", "Marta");
        await TypeAsync(page, "#contact-message", "Sent although an ad blocker ate the widget at first.");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("form ul li:has-text('cannot be checked right now')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.Equal(0, await page.Locator("#contact-sent").CountAsync());

        // The script is reachable again (the person turned the blocker off): a submit attempt starts the widget again,
        // the widget gets its token, and the form passes, in the same circuit.
        blocked = false;
        await page.ClickAsync("button[type=submit]");
        await WaitForTokenAsync(page);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("#contact-sent:has-text('Thank you, Marta')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.False(await page.IsVisibleAsync("#blazor-error-ui"));
    }

    [Fact]
    public async Task A_WebAssembly_form_gets_a_token_and_the_server_accepts_it_once_also_after_enhanced_navigation()
    {
        IPage page = await fixture.NewPageAsync();
        await page.GotoAsync("/");
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        // Reached by enhanced navigation: WebAssembly starts with the state that navigation brought.
        await page.ClickAsync("a.nav-link[href='feedback-webassembly']");
        await WaitForInteractiveAsync(page, "WebAssembly");
        string token = await SendFeedbackAsync(page, "Works in the browser.");
        await AssertReplayAndMissingTokenRefusedAsync("feedback", token);

        // WebAssembly already runs: the Auto page joins it, with the settings WebAssembly started with.
        await page.ClickAsync("a.nav-link[href='feedback-auto']");
        await page.WaitForSelectorAsync("h1:has-text('interactive Auto')");
        await WaitForInteractiveAsync(page, "WebAssembly");
        Assert.Equal("feedback", await page.GetAttributeAsync("#crafy-captcha-CrafyCAPTCHA_token", "data-crafy-policy"));
        string second = await SendFeedbackAsync(page, "Still the same page.");
        await AssertReplayAndMissingTokenRefusedAsync("feedback", second);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the navigations were not enhanced ones");
    }

    [Fact]
    public async Task An_Auto_form_gets_a_token_on_the_server_then_on_WebAssembly_and_the_server_accepts_each_once()
    {
        IPage page = await fixture.NewPageAsync();
        await page.GotoAsync("/feedback-auto");
        // A first visit: the WebAssembly files are not there yet, so Auto runs on the server (and loads them meanwhile).
        await WaitForInteractiveAsync(page, "Server");
        string onServer = await SendFeedbackAsync(page, "Sent from a circuit.");
        await AssertReplayAndMissingTokenRefusedAsync("feedback", onServer);

        // Once they are in the browser's cache (a WebAssembly page makes sure), the same page runs on WebAssembly, with
        // the settings the prerender persisted.
        await page.GotoAsync("/feedback-webassembly");
        await WaitForInteractiveAsync(page, "WebAssembly");
        await page.GotoAsync("/feedback-auto");
        await WaitForInteractiveAsync(page, "WebAssembly");
        string onWebAssembly = await SendFeedbackAsync(page, "Sent from WebAssembly.");
        await AssertReplayAndMissingTokenRefusedAsync("feedback", onWebAssembly);
    }

    /// <summary>Waits until the feedback form runs on <paramref name="renderer"/> and its widget was started through JS interop.</summary>
    private static async Task WaitForInteractiveAsync(IPage page, string renderer)
    {
        await page.WaitForSelectorAsync($"#feedback-renderer:text-is('{renderer}')", new PageWaitForSelectorOptions { Timeout = 60_000 });
        await page.WaitForSelectorAsync("#crafy-captcha-CrafyCAPTCHA_token[data-crafy-interactive][data-crafy-initialized]", new PageWaitForSelectorOptions { Timeout = 30_000 });
    }

    /// <summary>
    /// Types, waits for the widget's token, submits; returns that token once the server accepted the form. (On an Auto
    /// page still on the server, the post to the endpoint leaves from the server, not the browser: the token is read
    /// from the widget's input, and the replay check afterwards proves it was the one spent.)
    /// </summary>
    private static async Task<string> SendFeedbackAsync(IPage page, string text)
    {
        await TypeAsync(page, "#feedback-text", text);
        await WaitForTokenAsync(page);
        string token = await page.Locator("input[name=CrafyCAPTCHA_token]").InputValueAsync();
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("#feedback-accepted", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.Equal(0, await page.Locator("#feedback-refused").CountAsync());
        return token;
    }

    /// <summary>From outside, as a script: the token that passed is refused the second time, and no token is refused too, each with its code.</summary>
    private async Task AssertReplayAndMissingTokenRefusedAsync(string policy, string token)
    {
        using var http = new HttpClient { BaseAddress = fixture.BaseUrl };
        using var replay = new HttpRequestMessage(HttpMethod.Post, "/api/" + policy) { Content = JsonContent.Create(new { text = "again" }) };
        replay.Headers.Add("X-Crafy-Captcha-Token", token);
        using HttpResponseMessage replayed = await http.SendAsync(replay);
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Equal("captcha_replayed", (await replayed.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());

        using HttpResponseMessage missing = await http.PostAsJsonAsync("/api/" + policy, new { text = "no token" });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("captcha_missing", (await missing.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
    }
}
