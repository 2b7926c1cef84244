using CrafyCaptcha.Server.Credentials;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// A person's browser through the sample (embedded engine) whose credential has Turnstile keys, with the Turnstile
/// script and <c>siteverify</c> served by <see cref="FakeTurnstile"/> on 127.0.0.1: our widget loads Turnstile into the
/// page only because the signed HANDSHAKE names a site key, and the engine checks the token before issuing one.
/// </summary>
[Collection("Browser")]
public sealed class TurnstileBrowserTests : IAsyncLifetime
{
    private const string StatusSelector = "#crafy-captcha-1 .crafy-status";
    private readonly string _state = Path.Combine(Path.GetTempPath(), "crafy-turnstile-browser-" + Guid.NewGuid().ToString("N"));
    private FakeTurnstile _fake = null!;
    private CrafyCaptcha.Testing.PersonBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeTurnstile.StartAsync();
        _browser = await CrafyCaptcha.Testing.PersonBrowser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _fake.DisposeAsync();
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }

    /// <summary>The sample with a credential of its own: with Turnstile keys (<paramref name="turnstileSecret"/>) or without.</summary>
    private WebApplicationFactory<Program> StartSample(string? turnstileSecret, Action<IServiceCollection>? services = null)
    {
        ChallengeCredential credential = CredentialStore.NewCredential();
        Dictionary<string, string?> settings = RestApi.Credentials((credential, null));
        settings["CrafyCaptcha:PublicKey"] = credential.PublicKey;
        settings["CrafyCaptcha:SecretKey"] = credential.SecretKey;
        if (turnstileSecret is not null)
        {
            settings["CrafyChallengeServer:Credentials:0:Turnstile:SiteKey"] = FakeTurnstile.SiteKey;
            settings["CrafyChallengeServer:Credentials:0:Turnstile:SecretKey"] = turnstileSecret;
        }

        settings["CrafyChallengeServer:Turnstile:SiteVerifyUrl"] = _fake.SiteVerifyUrl.ToString();
        settings["CrafyChallengeServer:Turnstile:ScriptUrl"] = _fake.ScriptUrl.ToString();
        settings["CrafyChallengeServer:DevelopmentCredentialPath"] = Path.Combine(_state, Guid.NewGuid().ToString("N") + "-dev-credential.json");
        settings["Logging:LogLevel:Default"] = "Warning";
        WebApplicationFactory<Program> app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(settings));
            if (services is not null)
            {
                b.ConfigureServices(services);
            }
        });
        app.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        app.StartServer();
        return app;
    }

    /// <summary>One pass on a page of its own first, so the timed pass does not pay for the app's cold start.</summary>
    private async Task WarmUpAsync(WebApplicationFactory<Program> app)
    {
        IPage warm = await _browser.NewPageAsync(app.ClientOptions.BaseAddress);
        await warm.GotoAsync("/Account/Login");
        await Assertions.Expect(warm.Locator(StatusSelector)).ToHaveTextAsync("Verified", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        await warm.Context.CloseAsync();
    }

    private static async Task TimedPassAsync(IPage page, string what)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await page.GotoAsync("/Account/Login");
        await Assertions.Expect(page.Locator(StatusSelector)).ToHaveTextAsync("Verified", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        stopwatch.Stop();
        await File.AppendAllTextAsync(Path.Combine(BrowserFixture.ArtifactsDirectory, "timings.txt"),
            $"page load to Verified (login, invisible, warm app) {what}: {stopwatch.ElapsedMilliseconds} ms{Environment.NewLine}");
    }

    // Remembers whether the widget ever said "Verified" (a failing run must never show it, not even briefly).
    private const string WatchStatus = "setInterval(() => { const s = document.querySelector('#crafy-captcha-1 .crafy-status'); if (s && s.textContent === 'Verified') { window.__sawVerified = true; } }, 10);";

    [Fact]
    public async Task A_person_passes_with_turnstile_and_the_site_accepts_the_token()
    {
        await using WebApplicationFactory<Program> app = StartSample(FakeTurnstile.PassSecret);
        await WarmUpAsync(app);
        _fake.Calls.Clear();
        IPage page = await _browser.NewPageAsync(app.ClientOptions.BaseAddress);

        await TimedPassAsync(page, "with Turnstile (local fake script and siteverify)");

        Assert.Equal(_fake.ScriptUrl.ToString(), await page.EvaluateAsync<string>("() => document.getElementById('crafy-turnstile-script').src"));
        // The widget's bridge came from beside the widget, only now that the HANDSHAKE named a site key.
        Assert.EndsWith("/_content/CrafyCaptcha.AspNetCore/crafy-captcha-turnstile.min.js", await page.EvaluateAsync<string>("() => document.querySelector('script[src*=\"crafy-captcha-turnstile\"]').src"), StringComparison.Ordinal);
        Assert.Equal(FakeTurnstile.SiteKey, await page.EvaluateAsync<string>("() => window.fakeTurnstileRendered.sitekey"));
        Assert.Equal("interaction-only", await page.EvaluateAsync<string>("() => window.fakeTurnstileRendered.appearance"));
        Assert.True(await page.EvaluateAsync<bool>("() => window.fakeTurnstileRendered.inDocument"), "Turnstile renders in the embedding page");
        IReadOnlyDictionary<string, string> call = Assert.Single(_fake.Calls);
        Assert.Equal(FakeTurnstile.DummyToken, call["response"]);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "turnstile-pass.png") });

        await page.FillAsync("#Email", "ana@example.com");
        await page.FillAsync("#Password", "hunter2");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("h1:has-text('Welcome')");
        Assert.Contains("Welcome, ana@example.com", await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<img name=\"currentScript\" src=\"https://evil.example/crafy-captcha.js\">")]
    [InlineData("<form name=\"currentScript\"><input name=\"src\"></form>")]
    public async Task Markup_on_the_page_cannot_choose_where_the_turnstile_bridge_comes_from(string injected)
    {
        // DOM clobbering: a named element the page shows (a comment, a profile field) shadows document.currentScript.
        // The widget reads its own address through Document's getter, so the bridge still comes from beside it, nothing
        // is asked of the attacker's host, and the pass completes.
        await using WebApplicationFactory<Program> app = StartSample(FakeTurnstile.PassSecret);
        await WarmUpAsync(app);
        IPage page = await _browser.NewPageAsync(app.ClientOptions.BaseAddress);
        var scripts = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) => { if (request.ResourceType == "script") { scripts.Enqueue(request.Url); } };
        // The markup is in the page before the widget's script runs (the parser waits for that script to download).
        // (Not through a routed response: a page Playwright fulfils is "public" to Chromium, which then refuses the fake
        // Turnstile script on a loopback port.)
        await page.AddInitScriptAsync($$"""
            new MutationObserver((_, observer) => {
              if (document.body) { observer.disconnect(); document.body.insertAdjacentHTML('afterbegin', {{System.Text.Json.JsonSerializer.Serialize(injected)}}); }
            }).observe(document, { childList: true, subtree: true });
            """);

        await TimedPassAsync(page, "with markup shadowing document.currentScript");

        Assert.True(await page.EvaluateAsync<bool>("() => document.currentScript !== null"), "the injected markup shadows document.currentScript");
        Assert.EndsWith("/_content/CrafyCaptcha.AspNetCore/crafy-captcha-turnstile.min.js", await page.EvaluateAsync<string>("() => document.querySelector('script[src*=\"crafy-captcha-turnstile\"]').src"), StringComparison.Ordinal);
        Assert.DoesNotContain(scripts, url => url.Contains("evil.example", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bundled_or_fingerprinted_widget_script_still_finds_its_turnstile_bridge()
    {
        // The site serves the widget under a name of its own (a bundler's fingerprint): nothing is beside it, so the page
        // tells the widget where the package's bridge is.
        const string Bundle = "/assets/site.3f9a1c.js";
        await using WebApplicationFactory<Program> app = StartSample(FakeTurnstile.PassSecret, s => s.Configure<CrafyCaptcha.AspNetCore.CrafyCaptchaHttpOptions>(o => o.WidgetScriptUrl = Bundle));
        byte[] widget = await app.CreateClient().GetByteArrayAsync("/_content/CrafyCaptcha.AspNetCore/crafy-captcha.min.js");
        IPage page = await _browser.NewPageAsync(app.ClientOptions.BaseAddress);
        await page.RouteAsync("**" + Bundle, route => route.FulfillAsync(new RouteFulfillOptions { Body = System.Text.Encoding.UTF8.GetString(widget), ContentType = "text/javascript" }));

        await TimedPassAsync(page, "with a fingerprinted widget script");

        Assert.Equal(1, await page.Locator($"script[src='{Bundle}']").CountAsync());
        Assert.EndsWith("/_content/CrafyCaptcha.AspNetCore/crafy-captcha-turnstile.min.js", await page.EvaluateAsync<string>("() => document.querySelector('script[src*=\"crafy-captcha-turnstile\"]').src"), StringComparison.Ordinal);
        Assert.Equal(FakeTurnstile.SiteKey, await page.EvaluateAsync<string>("() => window.fakeTurnstileRendered.sitekey"));
    }

    [Fact]
    public async Task A_bridge_address_on_another_origin_is_not_loaded()
    {
        // The bridge gets the page's CSP nonce: an address from elsewhere in the options (which Blazor reads from markup)
        // is ignored, and the bridge comes from beside the widget.
        await using WebApplicationFactory<Program> app = StartSample(FakeTurnstile.PassSecret);
        await WarmUpAsync(app);
        IPage page = await _browser.NewPageAsync(app.ClientOptions.BaseAddress);
        var scripts = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) => scripts.Enqueue(request.Url);
        await page.AddInitScriptAsync("""
            let real;
            Object.defineProperty(window, 'CrafyCAPTCHA', { configurable: true, get() { return real; }, set(v) {
              real = v;
              const init = v.prototype.init;
              v.prototype.init = function (c, pk, pt, spk, options, internal) {
                return init.call(this, c, pk, pt, spk, Object.assign({}, options, { turnstileBridgeUrl: 'https://evil.example/crafy-captcha-turnstile.min.js' }), internal);
              };
            } });
            """);

        await TimedPassAsync(page, "with a bridge address on another origin");

        Assert.DoesNotContain(scripts, url => url.Contains("evil.example", StringComparison.Ordinal));
        Assert.EndsWith("/_content/CrafyCaptcha.AspNetCore/crafy-captcha-turnstile.min.js", await page.EvaluateAsync<string>("() => document.querySelector('script[src*=\"crafy-captcha-turnstile\"]').src"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Markup_that_answers_to_window_turnstile_does_not_stop_the_pass()
    {
        // <img name="turnstile"> (which DOMPurify keeps) answers to window.turnstile: the bridge must still load Cloudflare's
        // script and render it, not take the image for Turnstile and leave the iframe waiting.
        await using WebApplicationFactory<Program> app = StartSample(FakeTurnstile.PassSecret);
        await WarmUpAsync(app);
        IPage page = await _browser.NewPageAsync(app.ClientOptions.BaseAddress);
        await page.AddInitScriptAsync("""
            if (window.top === window) new MutationObserver((_, observer) => {
              if (document.body) { observer.disconnect(); document.body.insertAdjacentHTML('afterbegin', '<img name="turnstile" src="data:,">'); }
            }).observe(document, { childList: true, subtree: true });
            """);

        await TimedPassAsync(page, "with markup answering to window.turnstile");

        Assert.Equal(_fake.ScriptUrl.ToString(), await page.EvaluateAsync<string>("() => document.getElementById('crafy-turnstile-script').src"));
        Assert.Equal(FakeTurnstile.SiteKey, await page.EvaluateAsync<string>("() => window.fakeTurnstileRendered.sitekey"));
    }

    [Fact]
    public async Task Without_turnstile_the_invisible_pass_loads_no_turnstile_and_makes_no_extra_request()
    {
        await using WebApplicationFactory<Program> app = StartSample(turnstileSecret: null);
        await WarmUpAsync(app);
        IPage page = await _browser.NewPageAsync(app.ClientOptions.BaseAddress);
        var requests = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) => requests.Enqueue(request.Url);
        page.FrameNavigated += (_, frame) => requests.Enqueue(frame.Url);

        await TimedPassAsync(page, "without Turnstile (same fixture)");

        Assert.DoesNotContain(requests, url => url.Contains("turnstile", StringComparison.OrdinalIgnoreCase) || url.StartsWith(_fake.BaseAddress.ToString(), StringComparison.Ordinal));
        Assert.Contains(requests, url => url.Contains("/crafy/challenge/verify", StringComparison.Ordinal)); // the watch saw the pass
        Assert.Equal(0, await page.Locator("#crafy-turnstile-script, .crafy-turnstile").CountAsync());
        Assert.Empty(_fake.Calls);
    }

    [Fact]
    public async Task With_the_always_failing_secret_the_widget_ends_in_its_error_state_never_verified()
    {
        await using WebApplicationFactory<Program> app = StartSample(FakeTurnstile.FailSecret);
        IPage page = await _browser.NewPageAsync(app.ClientOptions.BaseAddress);
        await page.AddInitScriptAsync(WatchStatus);

        await page.GotoAsync("/Account/Login");
        await Assertions.Expect(page.Locator(StatusSelector)).ToHaveTextAsync("Connection error", new LocatorAssertionsToHaveTextOptions { Timeout = 45_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "turnstile-fail.png") });

        Assert.False(await page.EvaluateAsync<bool>("() => window.__sawVerified === true"), "the widget said Verified");
        Assert.True(await page.EvaluateAsync<bool>("() => !document.querySelector('input[name=CrafyCAPTCHA_token]')?.value"), "no token in the form");
        Assert.True(_fake.Calls.Count >= 2, $"each new challenge asked siteverify again ({_fake.Calls.Count} calls)");
        Assert.True(await page.EvaluateAsync<int>("() => window.fakeTurnstileResets || 0") >= 1, "each new challenge asked Turnstile for a fresh token");
        Assert.All(_fake.Calls, c => Assert.Equal(FakeTurnstile.FailSecret, c["secret"]));
    }
}
