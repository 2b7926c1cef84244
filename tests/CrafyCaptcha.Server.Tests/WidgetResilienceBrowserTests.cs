using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>The sample whose widgets point at an engine that is not running (a closed port on 127.0.0.1).</summary>
public sealed class StoppedEngineBrowserFixture : BrowserFixture
{
    protected override void ConfigureServices(IServiceCollection services)
    {
        // A port that was free a moment ago and that nothing listens on: the engine is stopped.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        services.PostConfigure<CrafyCaptcha.AspNetCore.CrafyCaptchaHttpOptions>(o => o.IframeUrl = $"http://127.0.0.1:{port}/crafy/challenge/");
    }
}

/// <summary>
/// Never a silent hang: a browser without WebCrypto, one without WebCrypto Ed25519 (Chromium before 137, Safari before
/// 17), a challenge that keeps failing (answers refused, a worker that cannot load) and an engine that is not running.
/// Each completes where it can, or ends in a state the person can read (and the <c>crafy:error</c> event / <c>onError</c>).
/// </summary>
[Collection("Browser")]
public sealed class WidgetResilienceBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Widget = "#crafy-captcha-1";
    private const string NoToken = "() => !document.querySelector('input[name=CrafyCAPTCHA_token]')?.value";

    // Records every crafy:error the widget raises (its detail is the technical reason given to onError).
    internal const string RecordErrors = "window.__crafyErrors = []; document.addEventListener('crafy:error', e => window.__crafyErrors.push(e.detail), true);";

    // A page served over plain HTTP away from localhost has no crypto.subtle (it is a secure-context API): removed in
    // every frame of the page, the challenge iframe's included.
    private const string NoSubtleAnywhere = "Object.defineProperty(Crypto.prototype, 'subtle', { get() { return undefined; }, configurable: true });";

    // A browser without WebCrypto Ed25519: importKey rejects the algorithm as such browsers do; SHA-256 still works.
    private const string NoEd25519 = """
        (() => {
          const importKey = SubtleCrypto.prototype.importKey;
          SubtleCrypto.prototype.importKey = function (format, key, algorithm, ...rest) {
            const name = typeof algorithm === 'string' ? algorithm : algorithm && algorithm.name;
            if (String(name).toLowerCase() === 'ed25519') { return Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError')); }
            return importKey.call(this, format, key, algorithm, ...rest);
          };
        })();
        """;

    [Fact]
    public async Task Without_webcrypto_anywhere_the_pass_still_completes_and_the_server_accepts_the_token()
    {
        // The proof-of-work hashes with the vendored SHA-256 (no secure context needed) and the widget, unable to check
        // Ed25519, trusts the iframe's messages for their origin and window: a person on plain HTTP still gets through.
        IPage page = await fixture.NewPageAsync();
        await page.AddInitScriptAsync(NoSubtleAnywhere);
        await page.GotoAsync("/Comments");
        Assert.False(await page.EvaluateAsync<bool>("() => !!crypto.subtle"));

        await PassAndPostAsync(page, "sent from a browser without WebCrypto");
        Assert.False(await page.FrameLocator($"{Widget} iframe").Locator("body").EvaluateAsync<bool>("() => !!crypto.subtle"), "the challenge page had WebCrypto");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Without_webcrypto_ed25519_the_pass_completes_and_a_message_from_another_window_is_still_ignored()
    {
        IPage page = await fixture.NewPageAsync();
        await page.AddInitScriptAsync(NoEd25519);
        (Task arrived, Action release) = await PuzzleHands.HoldNextAnswerAsync(page); // no real token before the forgery
        await page.GotoAsync("/Comments");
        await arrived.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(await page.EvaluateAsync<bool>(
            "() => crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'Ed25519' }, false, ['verify']).then(() => true, () => false)"));

        // Before the pass: a CHALLENGE_COMPLETE posted by the page itself (same origin, wrong window) is not taken,
        // even though no signature can be checked here.
        await page.EvaluateAsync("() => window.postMessage({ action: 'CHALLENGE_COMPLETE', payload: '{\"status\":\"success\"}', signature: 'x', server_sign: 'y' }, '*')");
        await Task.Delay(300);
        Assert.True(await page.EvaluateAsync<bool>(NoToken), "a message from the page's own window made a token");
        release();

        await PassAndPostAsync(page, "sent from a browser without Ed25519");
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("answers refused")]
    [InlineData("worker fails to load")]
    public async Task A_challenge_that_keeps_failing_is_reloaded_three_times_then_shown_as_an_error(string failure)
    {
        IPage page = await fixture.NewPageAsync();
        await page.AddInitScriptAsync(RecordErrors);
        var loads = 0;
        page.Request += (_, r) =>
        {
            if (r.Method == "POST" && r.Url.EndsWith("/crafy/challenge/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref loads);
            }
        };
        if (failure == "answers refused")
        {
            // The engine refusing every answer (as it would a browser whose program result is always wrong).
            await page.RouteAsync("**/crafy/challenge/verify", route => route.FulfillAsync(new() { Status = 400, ContentType = "application/json", Body = "{\"error\":\"program_invalid\"}" }));
        }
        else
        {
            // The worker's script (carried by the challenge page) failing as it starts.
            await page.RouteAsync("**/crafy/challenge/", async route =>
            {
                IAPIResponse original = await route.FetchAsync();
                string html = System.Text.RegularExpressions.Regex.Replace(await original.TextAsync(), "(<script type=\"text/plain\" id=\"pow-worker\">).*?(</script>)", "$1throw new Error('the worker failed');$2", System.Text.RegularExpressions.RegexOptions.Singleline);
                Assert.Contains("the worker failed", html, StringComparison.Ordinal);
                await route.FulfillAsync(new() { Response = original, Body = html });
            });
        }

        await page.GotoAsync("/Comments");

        await Assertions.Expect(page.Locator($"{Widget} .crafy-status")).ToHaveTextAsync("Connection error", new() { Timeout = 30_000 });
        await Task.Delay(3000);

        Assert.Equal(4, Volatile.Read(ref loads)); // the first challenge and three reloads, then no more
        Assert.Contains(await page.EvaluateAsync<string[]>("() => window.__crafyErrors"), e => e.Contains("3 times in a row", StringComparison.Ordinal));
        Assert.True(await page.EvaluateAsync<bool>(NoToken));

        // "New challenge" is the way out: one more attempt (the engine is healthy again here) passes.
        await page.UnrouteAllAsync();
        await page.ClickAsync($"{Widget} .crafy-box button:has-text('New challenge')");
        await PassAndPostAsync(page, "sent after the engine recovered " + failure);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Destroying_a_widget_undoes_only_what_it_registered_and_stops_one_still_starting()
    {
        IPage page = await fixture.NewPageAsync();
        await page.GotoAsync("/Comments");
        await Assertions.Expect(page.Locator($"{Widget} .crafy-status")).ToHaveTextAsync("Verified", new() { Timeout = 30_000 });

        // A second widget with the first one's inputName is refused (a console error) and registers nothing: destroying it,
        // twice, must leave the first widget registered and its inputName taken.
        bool firstIntact = await page.EvaluateAsync<bool>("""
            () => {
              const first = CrafyCAPTCHA.get('crafy-captcha-1');
              for (const id of ['dup', 'again']) { const c = document.createElement('div'); c.id = id; document.body.appendChild(c); }
              const dup = new CrafyCAPTCHA();
              dup.init('dup', first.publicKey, first.publicToken, first.signingPublicKey, { inputName: first.inputName });
              dup.destroy();
              dup.destroy();
              const again = new CrafyCAPTCHA();
              again.init('again', first.publicKey, first.publicToken, first.signingPublicKey, { inputName: first.inputName });
              return CrafyCAPTCHA.get('crafy-captcha-1') === first && CrafyCAPTCHA.get('dup') === null
                && !document.getElementById('again').hasAttribute('data-crafy-initialized');
            }
            """);
        Assert.True(firstIntact, "destroying an unregistered widget unregistered the first one or freed its inputName");

        // A widget destroyed right after init (its eo still on its way) starts nothing once the eo is there.
        bool started = await page.EvaluateAsync<bool>("""
            async () => {
              const c = document.createElement('div'); c.id = 'short-lived'; document.body.appendChild(c);
              const first = CrafyCAPTCHA.get('crafy-captcha-1');
              const w = new CrafyCAPTCHA();
              const ready = w.init('short-lived', first.publicKey, first.publicToken, first.signingPublicKey, { inputName: 'short_lived', encryptedOptions: 'eo' });
              w.destroy();
              await ready;
              return w.eo !== undefined || w.form !== undefined || c.childElementCount > 0 || CrafyCAPTCHA.get(c) !== null;
            }
            """);
        Assert.False(started);

        // The first widget still works: its token posts the comment.
        await page.FillAsync("#author", "Ana");
        await page.FillAsync("#text", "after two widgets were destroyed");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("#comments li:has-text('after two widgets were destroyed')", new() { Timeout = 30_000 });
        await page.Context.CloseAsync();
    }

    private static async Task PassAndPostAsync(IPage page, string text)
    {
        await Assertions.Expect(page.Locator($"{Widget} .crafy-status")).ToHaveTextAsync("Verified", new() { Timeout = 30_000 });
        await page.FillAsync("#author", "Ana");
        await page.FillAsync("#text", text);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync($"#comments li:has-text('{text}')", new() { Timeout = 30_000 });
    }
}

/// <summary>The engine is not running: the widget says "Connection error" (and raises crafy:error) and stays usable.</summary>
[Collection("Browser")]
public sealed class StoppedEngineBrowserTests(StoppedEngineBrowserFixture fixture) : IClassFixture<StoppedEngineBrowserFixture>
{
    [Fact]
    public async Task An_engine_that_is_not_running_is_a_connection_error_and_a_new_challenge_tries_again()
    {
        IPage page = await fixture.NewPageAsync();
        await page.AddInitScriptAsync(WidgetResilienceBrowserTests.RecordErrors);
        var posts = 0;
        page.Request += (_, r) =>
        {
            if (r.Method == "POST" && r.Url.Contains("/crafy/challenge/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref posts);
            }
        };
        await page.GotoAsync("/Comments");

        ILocator status = page.Locator("#crafy-captcha-1 .crafy-status");
        await Assertions.Expect(status).ToHaveTextAsync("Connection error", new() { Timeout = 15_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "widget-engine-stopped.png"), FullPage = true });
        Assert.NotEmpty(await page.EvaluateAsync<string[]>("() => window.__crafyErrors"));

        await page.ClickAsync("#crafy-captcha-1 button:has-text('New challenge')");
        await Assertions.Expect(status).ToHaveTextAsync("Connection error", new() { Timeout = 15_000 });
        Assert.True(Volatile.Read(ref posts) >= 2, "New challenge did not try the engine again");
        Assert.True(await page.EvaluateAsync<bool>("() => !document.querySelector('input[name=CrafyCAPTCHA_token]')?.value"));
        await page.Context.CloseAsync();
    }
}
