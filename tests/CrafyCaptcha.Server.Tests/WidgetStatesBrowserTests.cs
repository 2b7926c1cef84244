using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The widget's states as a person sees them — verifying, verified (with its check mark), error — light and dark, left
/// to right and right to left, in forced colours and with reduced motion; screenshots of each go to the artifacts
/// folder (widget-state-*.png). axe-core finds no WCAG 2.1 A/AA violation on any protected page of the sample, in
/// either scheme, nor on the error state.
/// </summary>
[Collection("Browser")]
public sealed class WidgetStatesBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Widget = "#crafy-captcha-1";
    private static readonly List<string> WcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    private async Task<IPage> PageAsync(string scheme, string locale = "en-US", ForcedColors forced = ForcedColors.None, ReducedMotion motion = ReducedMotion.NoPreference)
    {
        IBrowserContext context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            UserAgent = fixture.UserAgent,
            BaseURL = fixture.BaseUrl.ToString(),
            ColorScheme = scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
            Locale = locale,
            ForcedColors = forced,
            ReducedMotion = motion,
        });
        return await context.NewPageAsync();
    }

    private static Task ShotAsync(IPage page, string name)
        => page.Locator($"{Widget} .crafy-box").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, $"widget-state-{name}.png") });

    [Theory]
    [InlineData("light", "en-US", "Verifying…", "Verified", "ltr")]
    [InlineData("dark", "en-US", "Verifying…", "Verified", "ltr")]
    [InlineData("light", "ar", "جارٍ التحقق…", "تم التحقق", "rtl")]
    [InlineData("dark", "he", "מאמת…", "אומת", "rtl")]
    public async Task Verifying_then_verified_with_a_check_mark_in_the_pages_scheme_and_writing_direction(string scheme, string locale, string verifying, string verified, string direction)
    {
        IPage page = await PageAsync(scheme, locale);
        (Task arrived, Action release) = await PuzzleHands.HoldNextAnswerAsync(page);
        await page.GotoAsync("/Comments");
        ILocator box = page.Locator($"{Widget} .crafy-box"), status = box.Locator(".crafy-status"), check = box.Locator(".crafy-check");

        await arrived.WaitAsync(TimeSpan.FromSeconds(30));
        await Assertions.Expect(status).ToHaveTextAsync(verifying);
        Assert.True(await check.EvaluateAsync<bool>("c => c.getAnimations().length > 0"), "the ring turns while verifying");
        Assert.False(await check.Locator("svg").IsVisibleAsync(), "no check mark before the pass");
        await ShotAsync(page, $"verifying-{scheme}-{direction}");
        release();

        await Assertions.Expect(status).ToHaveTextAsync(verified, new() { Timeout = 30_000 });
        Assert.True(await check.Locator("svg").IsVisibleAsync(), "the check mark is shown");
        Assert.Equal(direction, await box.EvaluateAsync<string>("b => getComputedStyle(b).direction"));
        // The indicator leads the text in the reading direction.
        LocatorBoundingBoxResult c = (await check.BoundingBoxAsync())!, s = (await status.BoundingBoxAsync())!;
        Assert.True(direction == "rtl" ? c.X > s.X : c.X < s.X, $"indicator at {c.X}, text at {s.X} ({direction})");
        // The box is in the page's scheme (dark background in dark).
        string background = await box.EvaluateAsync<string>("b => getComputedStyle(b).backgroundColor");
        Assert.Equal(scheme == "dark" ? "rgb(31, 41, 55)" : "rgb(249, 250, 251)", background);
        await ShotAsync(page, $"verified-{scheme}-{direction}");
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task The_error_state_is_readable_and_axe_finds_no_violation_on_it(string scheme)
    {
        IPage page = await PageAsync(scheme);
        await page.RouteAsync("**/crafy/challenge/", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 403,
            ContentType = "text/html",
            Body = "<!DOCTYPE html><html lang=\"en\"><title>Refused</title><p id=\"crafy-error\">The domain is not allowed.</p></html>",
        }));
        await page.GotoAsync("/Comments");
        await Assertions.Expect(page.Locator($"{Widget} .crafy-status")).ToHaveTextAsync("Connection error", new() { Timeout = 15_000 });
        await ShotAsync(page, $"error-{scheme}");

        await AssertNoViolationsAsync(page);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task In_forced_colours_the_check_mark_stays_visible_in_the_system_colours()
    {
        IPage page = await PageAsync("light", forced: ForcedColors.Active);
        await page.GotoAsync("/Comments");
        ILocator check = page.Locator($"{Widget} .crafy-check");
        await Assertions.Expect(page.Locator($"{Widget} .crafy-status")).ToHaveTextAsync("Verified", new() { Timeout = 30_000 });

        string fill = await check.EvaluateAsync<string>("c => getComputedStyle(c).backgroundColor");
        string stroke = await check.EvaluateAsync<string>("c => getComputedStyle(c.querySelector('path')).stroke");
        Assert.NotEqual(fill, stroke);
        Assert.Equal(await page.EvaluateAsync<string>("() => { const e = document.createElement('i'); e.style.color = 'Highlight'; document.body.append(e); const v = getComputedStyle(e).color; e.remove(); return v; }"), fill);
        await ShotAsync(page, "verified-forced-colours");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task With_reduced_motion_the_ring_stands_still_while_verifying()
    {
        IPage page = await PageAsync("light", motion: ReducedMotion.Reduce);
        (Task arrived, Action release) = await PuzzleHands.HoldNextAnswerAsync(page);
        await page.GotoAsync("/Comments");
        await arrived.WaitAsync(TimeSpan.FromSeconds(30));

        await Assertions.Expect(page.Locator($"{Widget} .crafy-status")).ToHaveTextAsync("Verifying…");
        Assert.Equal(0, await page.Locator($"{Widget} .crafy-check").EvaluateAsync<int>("c => c.getAnimations().length"));
        release();
        await Assertions.Expect(page.Locator($"{Widget} .crafy-status")).ToHaveTextAsync("Verified", new() { Timeout = 30_000 });
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("/Comments", "light")]
    [InlineData("/Comments", "dark")]
    [InlineData("/Contact", "light")]
    [InlineData("/Contact", "dark")]
    [InlineData("/Account/Login", "light")]
    [InlineData("/Account/Login", "dark")]
    [InlineData("/Register", "light")]
    [InlineData("/Register", "dark")]
    public async Task Axe_finds_no_wcag_a_or_aa_violation_on_a_protected_page(string path, string scheme)
    {
        IPage page = await PageAsync(scheme);
        await page.GotoAsync(path);
        // Settled: every widget verified, or (the register form's puzzle policy) ready and waiting for the person.
        await page.WaitForFunctionAsync(
            "() => [...document.querySelectorAll('.crafy-status')].every(s => s.textContent === 'Verified' || s.textContent === 'Verify you are human')",
            null, new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 100 });
        Assert.True(await page.Locator(".crafy-box").CountAsync() >= 1, "the page has a widget");

        await AssertNoViolationsAsync(page);
        await page.Context.CloseAsync();
    }

    private static async Task AssertNoViolationsAsync(IPage page)
    {
        AxeResult result = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = WcagTags } });
        string violations = string.Join(Environment.NewLine, result.Violations.Select(v => $"{v.Id}: {v.Help} — {string.Join("; ", v.Nodes.Select(n => n.Target.ToString()))}"));
        Assert.True(result.Violations.Length == 0, violations);
        Assert.Contains(result.Passes.SelectMany(r => r.Nodes), n => n.Target.ToString().Contains("crafy", StringComparison.Ordinal));
    }
}
