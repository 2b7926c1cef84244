using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.Server.Instrumentation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>The sample for the instrumentation tests: refused answers do not climb the ladder (the tests refuse on purpose).</summary>
public sealed class InstrumentationBrowserFixture : BrowserFixture
{
    protected override void Configure(IDictionary<string, string?> settings)
        => settings["CrafyChallengeServer:Risk:FreeFailures"] = "1000";
}

/// <summary>
/// Issue 13 in a real chromium (person-like: no automation announced): the engine's programs give in the browser what
/// the engine expects; a genuine result is refused for another flow and when replayed; layout faked as zeros is refused.
/// </summary>
[Collection("Browser")]
public sealed class InstrumentationBrowserTests(InstrumentationBrowserFixture fixture) : IClassFixture<InstrumentationBrowserFixture>
{
    private const string TokenFilled = "() => { const i = document.querySelector('input[name=\"CrafyCAPTCHA_token\"]'); return !!i && i.value.length > 100; }";

    [Fact]
    public async Task Generated_programs_give_in_chromium_what_the_engine_expects_and_a_person_shows_no_marker()
    {
        IPage page = await fixture.NewPageAsync();
        var runs = new List<double>();
        for (int i = 0; i < 300; i++)
        {
            (GeneratedProgram program, JsonElement result, double ms) = await RunAsync(page, i);
            var markers = new List<string>();
            Assert.True(ProgramCheck.Matches(program.Expected, result, markers), Mismatch(i, program, result));
            Assert.Empty(markers);
            runs.Add(ms);
        }

        runs.Sort();
        await File.AppendAllTextAsync(Path.Combine(BrowserFixture.ArtifactsDirectory, "timings.txt"), string.Create(CultureInfo.InvariantCulture,
            $"instrumentation program run (300 programs, chromium, main thread): median {runs[150]:F2} ms, p95 {runs[285]:F2} ms, max {runs[^1]:F2} ms{Environment.NewLine}"));
    }

    /// <summary>
    /// People zoom: at a device pixel ratio of 0.5-3 (browser zoom 50-300 %, or a high-density screen) a length is laid
    /// out in device pixels, and the programs still give what the engine expects (borders, rounded down to whole device
    /// pixels, are why the programs draw none).
    /// </summary>
    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.67f)]
    [InlineData(0.8f)]
    [InlineData(0.9f)]
    [InlineData(1.1f)]
    [InlineData(1.25f)]
    [InlineData(1.75f)]
    [InlineData(3f)]
    public async Task Generated_programs_give_what_the_engine_expects_at_every_zoom(float deviceScaleFactor)
    {
        await using IBrowserContext context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { DeviceScaleFactor = deviceScaleFactor });
        IPage page = await context.NewPageAsync();
        for (int i = 0; i < 100; i++)
        {
            (GeneratedProgram program, JsonElement result, _) = await RunAsync(page, i);
            Assert.True(ProgramCheck.Matches(program.Expected, result, new List<string>()), $"at {deviceScaleFactor}: " + Mismatch(i, program, result));
        }
    }

    private static async Task<(GeneratedProgram Program, JsonElement Result, double Ms)> RunAsync(IPage page, int i)
    {
        if (i == 0)
        {
            await page.SetContentAsync("<!DOCTYPE html><html><head></head><body><p>host</p></body></html>");
        }

        GeneratedProgram program = ProgramGenerator.Generate();
        string json = await page.EvaluateAsync<string>(
            @"code => new Promise(resolve => {
                let t0 = 0;
                document.addEventListener('crafy-program', e => resolve(JSON.stringify({ r: e.detail, ms: performance.now() - t0 })), { once: true });
                const s = document.createElement('script');
                s.textContent = code;
                t0 = performance.now();
                document.body.appendChild(s);
            })", program.Script);
        using JsonDocument run = JsonDocument.Parse(json);
        return (program, run.RootElement.GetProperty("r").Clone(), run.RootElement.GetProperty("ms").GetDouble());
    }

    private static string Mismatch(int i, GeneratedProgram program, JsonElement result)
        => $"program {i} answered {result}, expected v=[{string.Join(',', program.Expected.Values)}] l=[{string.Join(',', program.Expected.Layout)}]";

    [Fact]
    public async Task A_genuine_program_result_is_refused_for_another_flow_and_when_replayed_after_its_flow()
    {
        IPage page = await fixture.NewPageAsync();
        string? firstBody = null;
        var verdicts = new List<string>();
        int answers = 0;
        var refusedForOtherFlow = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/crafy/challenge/verify", async route =>
        {
            switch (Interlocked.Increment(ref answers))
            {
                case 1:
                    // Flow A's genuine answer never reaches the engine (the widget is told "unavailable" and reloads).
                    firstBody = route.Request.PostData;
                    await route.FulfillAsync(new RouteFulfillOptions { Status = 503, ContentType = "application/json", Body = "{\"error\":\"unavailable\"}" });
                    break;
                case 2:
                    // Flow B, with A's program result in place of its own (A still open): refused.
                    refusedForOtherFlow.TrySetResult(await SendWithProgramOfAsync(route, firstBody!));
                    break;
                default:
                    await route.AbortAsync();
                    break;
            }
        });
        await page.GotoAsync("/Account/Login");
        Assert.Equal("program_invalid", await refusedForOtherFlow.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await page.CloseAsync();

        // A's own answer, as A's iframe sent it, passes: the result was genuine (and A is now spent).
        IAPIResponse own = await page.Context.APIRequest.PostAsync("/crafy/challenge/verify", new APIRequestContextOptions
        {
            DataString = firstBody,
            Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" },
        });
        Assert.True(own.Status == 200, $"A's own answer: {own.Status} {await own.TextAsync()}");
        JsonObject payload = JsonNode.Parse((string)JsonNode.Parse(await own.TextAsync())!["payload"]!)!.AsObject();
        Assert.Equal("invisible", (string?)payload["mode"]);

        // A's result replayed on a later flow (another page, another eo): refused; that page's own next flow passes.
        IPage later = await fixture.NewPageAsync();
        var replayed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        int laterAnswers = 0;
        await later.RouteAsync("**/crafy/challenge/verify", async route =>
        {
            if (Interlocked.Increment(ref laterAnswers) == 1)
            {
                replayed.TrySetResult(await SendWithProgramOfAsync(route, firstBody!));
            }
            else
            {
                await route.ContinueAsync();
            }
        });
        await later.GotoAsync("/Account/Login");
        Assert.Equal("program_invalid", await replayed.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await later.WaitForFunctionAsync(TokenFilled, null, new PageWaitForFunctionOptions { Timeout = 30_000 });
    }

    [Fact]
    public async Task Layout_reads_faked_as_zeros_are_refused()
    {
        IPage page = await fixture.NewPageAsync();
        // What a fake DOM answers for layout: every box of size zero, in every frame (the challenge iframe included).
        await page.Context.AddInitScriptAsync(@"(() => {
            Element.prototype.getBoundingClientRect = function () { return new DOMRect(0, 0, 0, 0); };
            for (const p of ['offsetWidth', 'offsetHeight', 'offsetLeft', 'offsetTop']) {
                Object.defineProperty(HTMLElement.prototype, p, { get() { return 0; }, configurable: true });
            }
        })();");
        Task<IResponse> verify = page.WaitForResponseAsync("**/crafy/challenge/verify", new PageWaitForResponseOptions { Timeout = 30_000 });
        await page.GotoAsync("/Account/Login");
        IResponse response = await verify;
        Assert.Equal(400, response.Status);
        Assert.Equal("program_invalid", (string?)JsonNode.Parse(await response.TextAsync())!["error"]);
        await page.CloseAsync();
    }

    [Fact]
    public async Task In_the_challenge_iframe_the_program_costs_little_main_thread_time()
    {
        var measured = new List<double>();
        for (int run = 0; run < 5; run++)
        {
            IPage page = await fixture.NewPageAsync();
            // In the iframe: from the page's response end (navigation timing) to the program's result event (the page's
            // parse, challenge.js, and the inline program's parse, compile and run).
            await page.Context.AddInitScriptAsync(@"(() => {
                if (!location.pathname.includes('/crafy/challenge')) { return; }
                document.addEventListener('crafy-program', () => {
                    const entry = performance.getEntriesByType('navigation')[0];
                    window.parent.postMessage({ crafyProgramMs: entry ? performance.now() - entry.responseEnd : -1 }, '*');
                }, { once: true });
            })();");
            var cost = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
            await page.ExposeFunctionAsync("crafyCost", (double ms) => cost.TrySetResult(ms));
            await page.AddInitScriptAsync("window.addEventListener('message', e => { if (e.data && typeof e.data.crafyProgramMs === 'number') { window.crafyCost(e.data.crafyProgramMs); } });");
            await page.GotoAsync("/Account/Login");
            measured.Add(await cost.Task.WaitAsync(TimeSpan.FromSeconds(30)));
            await page.WaitForFunctionAsync(TokenFilled, null, new PageWaitForFunctionOptions { Timeout = 30_000 });
            await page.Context.CloseAsync();
        }

        Assert.All(measured, ms => Assert.True(ms >= 0, "the page's navigation timing was not found"));
        measured.Sort();
        await File.AppendAllTextAsync(Path.Combine(BrowserFixture.ArtifactsDirectory, "timings.txt"), string.Create(CultureInfo.InvariantCulture,
            $"instrumentation program in the challenge iframe (page response end to result, 5 loads): {string.Join(", ", measured.Select(m => m.ToString("F1", CultureInfo.InvariantCulture)))} ms{Environment.NewLine}"));
    }

    /// <summary>Sends the intercepted answer with the <c>program</c> of <paramref name="otherBody"/>; the engine's error code.</summary>
    private static async Task<string> SendWithProgramOfAsync(IRoute route, string otherBody)
    {
        JsonObject body = JsonNode.Parse(route.Request.PostData!)!.AsObject();
        JsonNode? own = body["program"];
        JsonNode other = JsonNode.Parse(otherBody)!["program"]!.DeepClone();
        Assert.NotNull(own);
        Assert.NotEqual(own!.ToJsonString(), other.ToJsonString());
        body["program"] = other;
        IAPIResponse response = await route.FetchAsync(new RouteFetchOptions { PostData = Encoding.UTF8.GetBytes(body.ToJsonString()) });
        string text = await response.TextAsync();
        await route.FulfillAsync(new RouteFulfillOptions { Response = response });
        return (string?)JsonNode.Parse(text)!["error"] ?? "accepted";
    }
}

/// <summary>
/// The sample for the automation tests, which are about who is moved up the ladder, not about the puzzles: every
/// interactive rung is the checkbox (the slider and connect thresholds are out of reach: the request's own automation
/// reasons weigh 0.2 and 0.1 here, so the program's <c>automation_announced</c> (0.45) is what lifts a flow), refused
/// answers do not climb the ladder, and the engine's decisions are logged and kept.
/// </summary>
public sealed class AutomationBrowserFixture : BrowserFixture
{
    public CapturingLoggerProvider Logs { get; } = new();

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["CrafyChallengeServer:Risk:FreeFailures"] = "1000";
        settings["CrafyChallengeServer:Risk:SliderThreshold"] = "0.98";
        settings["CrafyChallengeServer:Risk:ConnectThreshold"] = "0.99";
        settings["CrafyChallengeServer:Risk:Weights:automation_user_agent"] = "0.2";
        settings["CrafyChallengeServer:Risk:Weights:webdriver"] = "0.1";
        settings["Logging:LogLevel:CrafyCaptcha"] = "Debug";
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(Logs);

    /// <summary>Another chromium that says it is automated (<c>navigator.webdriver</c> true), as plain Playwright does.</summary>
    public Task<IBrowser> LaunchAnnouncingBrowserAsync() => Browser.BrowserType.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = CrafyCaptcha.Testing.RequiredProgram.Find("chromium", "chromium", "/usr/bin/chromium"),
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
}

/// <summary>Issue 13: a browser that announces automation is moved up the ladder, with the reason logged and in the token.</summary>
[Collection("Browser")]
public sealed class AutomationBrowserTests(AutomationBrowserFixture fixture) : IClassFixture<AutomationBrowserFixture>
{
    [Fact]
    public async Task A_browser_that_announces_automation_is_moved_up_the_ladder_with_the_reason_logged_and_in_its_token()
    {
        // 1. A person's User-Agent (nothing for the server to see in the request), but navigator.webdriver is true: the
        // invisible answer is refused once the program's facts arrive, and the reload asks the checkbox.
        await using (IBrowser browser = await fixture.LaunchAnnouncingBrowserAsync())
        {
            IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl.ToString(), Locale = "en-US", UserAgent = fixture.UserAgent });
            IPage page = await context.NewPageAsync();
            var refusals = new List<int>();
            page.Response += (_, response) =>
            {
                if (response.Url.EndsWith("/challenge/verify", StringComparison.Ordinal) && response.Status != 200)
                {
                    lock (refusals)
                    {
                        refusals.Add(response.Status);
                    }
                }
            };
            Task<IResponse> firstAnswer = page.WaitForResponseAsync("**/crafy/challenge/verify", new PageWaitForResponseOptions { Timeout = 60_000 });
            await page.GotoAsync("/Account/Login");
            IResponse refused = await firstAnswer;
            Assert.Equal("automation_detected", (string?)JsonNode.Parse(await refused.TextAsync())!["error"]);
            Assert.Contains(fixture.Logs.Entries, e => e.EventId.Name == "AutomationMarkers" && e.Message.Contains("automation_announced", StringComparison.Ordinal));

            JsonObject payload = await ClickTheBoxAndReadTheTokenAsync(page);
            Assert.Equal("checkbox", (string?)payload["mode"]);
            Assert.Contains("automation_announced", payload["risk_reasons"]!.AsArray().Select(r => (string)r!));
            Assert.Single(refusals);
            Assert.Contains(fixture.Logs.Entries, e => e.EventId.Name == "RiskAssessed" && e.Message.Contains("→ checkbox", StringComparison.Ordinal) && e.Message.Contains("automation_announced", StringComparison.Ordinal));
        }

        // 2. Plain Playwright (HeadlessChrome in the User-Agent, navigator.webdriver true): asked the checkbox, and its
        // token names what the server saw in the request and what the program saw in the iframe.
        await using (IBrowser browser = await fixture.LaunchAnnouncingBrowserAsync())
        {
            IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl.ToString(), Locale = "en-US" });
            IPage page = await context.NewPageAsync();
            Assert.Contains("HeadlessChrome", await page.EvaluateAsync<string>("navigator.userAgent"), StringComparison.Ordinal);
            await page.GotoAsync("/Account/Login");
            JsonObject payload = await ClickTheBoxAndReadTheTokenAsync(page);
            string[] reasons = [.. payload["risk_reasons"]!.AsArray().Select(r => (string)r!)];
            Assert.Equal("checkbox", (string?)payload["mode"]);
            Assert.Contains("automation_announced", reasons);
            Assert.Contains("automation_user_agent", reasons);
        }
    }

    /// <summary>Waits for the checkbox in the iframe, clicks it as a hand would, and returns the token's payload.</summary>
    private static async Task<JsonObject> ClickTheBoxAndReadTheTokenAsync(IPage page)
    {
        ILocator box = page.FrameLocator("#crafy-captcha-1 iframe").Locator("#check:not([disabled])");
        await box.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await page.WaitForFunctionAsync("() => !document.querySelector('#crafy-captcha-1 iframe').hasAttribute('aria-hidden')");
        await HumanInput.ClickAsync(page, box, seed: 11);
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('input[name=\"CrafyCAPTCHA_token\"]'); return !!i && i.value.length > 100; }", null, new PageWaitForFunctionOptions { Timeout = 90_000 });
        string token = await page.Locator("input[name=CrafyCAPTCHA_token]").InputValueAsync();
        JsonNode outer = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)))!;
        return JsonNode.Parse((string)outer["payload"]!)!.AsObject();
    }
}

/// <summary>
/// The checkbox rung by keyboard, on its own engine (the risk this browser's flows leave behind must not move the other
/// class's first flow up the ladder).
/// </summary>
[Collection("Browser")]
public sealed class KeyboardCheckboxBrowserTests(AutomationBrowserFixture fixture) : IClassFixture<AutomationBrowserFixture>
{
    [Fact]
    public async Task A_person_on_the_keyboard_ticks_the_checkbox_with_space_and_gets_a_token()
    {
        // The checkbox rung (asked of a browser that announces automation): its script comes with the page only on this
        // rung; by keyboard it is focused with Tab and ticked with Space, and the server accepts the key trail.
        await using IBrowser browser = await fixture.LaunchAnnouncingBrowserAsync();
        IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl.ToString(), Locale = "de-DE" });
        IPage page = await context.NewPageAsync();
        var answers = new List<string>();
        page.Request += (_, r) => { if (r.Url.EndsWith("/challenge/verify", StringComparison.Ordinal) && r.PostData is { } body) { lock (answers) { answers.Add(body); } } };
        await page.GotoAsync("/Account/Login");
        IFrameLocator frame = page.FrameLocator("#crafy-captcha-1 iframe");
        ILocator box = frame.Locator("#check:not([disabled])");
        await box.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Equal("Ich bin ein Mensch", (await frame.Locator("#label").TextContentAsync())?.Trim());
        await page.WaitForTimeoutAsync(800); // reading the box
        await box.FocusAsync();
        await page.Keyboard.PressAsync("Space", new KeyboardPressOptions { Delay = 110 });
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('input[name=\"CrafyCAPTCHA_token\"]'); return !!i && i.value.length > 100; }", null, new PageWaitForFunctionOptions { Timeout = 90_000 });
        string token = await page.Locator("input[name=CrafyCAPTCHA_token]").InputValueAsync();
        JsonObject payload = JsonNode.Parse((string)JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)))!["payload"]!)!.AsObject();
        Assert.Equal("checkbox", (string?)payload["mode"]);
        Assert.True(await frame.Locator("#box").EvaluateAsync<bool>("b => b.querySelector('#check').disabled && b.classList.contains('done')"));

        // The key press paid the checkbox rung's extra proof-of-work.
        JsonObject answer;
        lock (answers)
        {
            answer = JsonNode.Parse(answers[^1])!.AsObject();
        }

        Assert.Equal("keyboard", (string?)answer["interaction"]!["kind"]);
        Assert.True((long)answer["pow_surcharge"]!["number"]! >= 0);
    }

    [Fact]
    public async Task A_person_on_a_touch_screen_taps_the_checkbox_pays_the_extra_work_and_gets_a_token()
    {
        // A phone: a tap is a touch trail, which (as the keyboard's) pays the checkbox rung's extra proof-of-work.
        await using IBrowser browser = await fixture.LaunchAnnouncingBrowserAsync();
        IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl.ToString(), HasTouch = true, IsMobile = true, ViewportSize = new() { Width = 390, Height = 800 } });
        IPage page = await context.NewPageAsync();
        var answers = new List<string>();
        page.Request += (_, r) => { if (r.Url.EndsWith("/challenge/verify", StringComparison.Ordinal) && r.PostData is { } body) { lock (answers) { answers.Add(body); } } };
        await page.GotoAsync("/Account/Login");
        ILocator box = page.FrameLocator("#crafy-captcha-1 iframe").Locator("#check:not([disabled])");
        await box.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await page.WaitForTimeoutAsync(800); // reading the box
        // A finger's press lasts a while (Playwright's TapAsync has none, which the engine refuses as no person's):
        // touch start and end 90 ms apart at the box's centre, through the browser's own input.
        LocatorBoundingBoxResult where = (await box.BoundingBoxAsync())!;
        ICDPSession input = await context.NewCDPSessionAsync(page);
        var point = new Dictionary<string, object> { ["x"] = where.X + (where.Width / 2), ["y"] = where.Y + (where.Height / 2) };
        await input.SendAsync("Input.dispatchTouchEvent", new Dictionary<string, object> { ["type"] = "touchStart", ["touchPoints"] = new[] { point } });
        await page.WaitForTimeoutAsync(90);
        await input.SendAsync("Input.dispatchTouchEvent", new Dictionary<string, object> { ["type"] = "touchEnd", ["touchPoints"] = Array.Empty<object>() });
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('input[name=\"CrafyCAPTCHA_token\"]'); return !!i && i.value.length > 100; }", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        JsonObject answer;
        lock (answers)
        {
            answer = JsonNode.Parse(answers[^1])!.AsObject(); // the checkbox's (an invisible flow may come first and be lifted)
        }

        Assert.Equal("touch", (string?)answer["interaction"]!["kind"]);
        Assert.True((long)answer["pow_surcharge"]!["number"]! >= 0);
    }
}
