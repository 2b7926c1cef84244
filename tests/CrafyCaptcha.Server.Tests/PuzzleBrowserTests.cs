using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// A person meets the register form's puzzle (the sample's puzzle policy) in chromium: solves the slider by dragging,
/// or by keyboard only, or climbs to the connect puzzle and links its symbols by clicking, or takes the accessible
/// path; each time the pending registration goes through by itself. Answers come from the image's pixels only.
/// Screenshots of each puzzle, light and dark, before and after, go to the artifacts folder (puzzle-*.png).
/// </summary>
[Collection("Browser")] // one browser test class at a time: each starts its own site and chromium
public sealed class PuzzleBrowserTests(PuzzleBrowserTests.Site fixture) : IClassFixture<PuzzleBrowserTests.Site>
{
    /// <summary>The browser fixture's site, where the tests' deliberate misses do not climb the ladder for the next test.</summary>
    public sealed class Site : BrowserFixture
    {
        protected override void Configure(IDictionary<string, string?> settings) => settings["CrafyChallengeServer:Risk:FreeFailures"] = "100000";
    }

    private static async Task<(IPage Page, PuzzleHands.Images Images)> OpenRegisterAsync(Site fixture, string scheme, string user)
    {
        IPage page = await fixture.NewPageAsync(scheme);
        PuzzleHands.Images image = await PuzzleHands.Images.WatchAsync(page);
        await page.GotoAsync("/Register");
        await page.FillAsync("#Input_UserName", user);
        await page.FillAsync("#Input_Email", user + "@example.com");
        return (page, image);
    }

    private static async Task RegisteredAsync(IPage page, string user)
    {
        await page.WaitForSelectorAsync("#registered", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.Contains($"Registered {user}.", await page.Locator("#registered").TextContentAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task The_slider_is_solved_by_dragging_the_piece_into_its_gap_and_the_registration_goes_through(string scheme)
    {
        (IPage page, PuzzleHands.Images image) = await OpenRegisterAsync(fixture, scheme, "ana" + scheme);
        await page.ClickAsync("button[type=submit]"); // submitting first reveals the puzzle; the post waits for the token
        LocatorBoundingBoxResult canvas = await PuzzleHands.ShownAsync(page);
        Assert.Equal(("slider", Array.Empty<string>()), await PuzzleHands.ReadTaskAsync(page));
        await PuzzleHands.ShotAsync(page, $"puzzle-slider-{scheme}-unsolved");

        (double X, double Y)[] answer = PuzzleHands.Answer(await image.LatestAsync(), "slider", []);
        (Task arrived, Action release) = await PuzzleHands.HoldNextAnswerAsync(page);
        await PuzzleHands.DragAsync(page, await PuzzleHands.SettledAsync(page), answer[0], answer[1]);

        await arrived.WaitAsync(TimeSpan.FromSeconds(20));
        await PuzzleHands.ShotAsync(page, $"puzzle-slider-{scheme}-solved");
        release();
        await RegisteredAsync(page, "ana" + scheme);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_puzzle_in_german_says_so_to_screen_readers()
    {
        IPage page = await fixture.NewPageAsync("light", "de-DE");
        await page.GotoAsync("/Register");
        await page.FillAsync("#Input_UserName", "lena");
        await page.FillAsync("#Input_Email", "lena@example.com");
        await page.ClickAsync("button[type=submit]");
        await PuzzleHands.ShownAsync(page);
        IFrameLocator frame = page.FrameLocator("#crafy-captcha-1 iframe");
        Assert.Contains("Puzzleteil", await frame.Locator("#puzzle").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("de", await frame.Locator("html").GetAttributeAsync("lang"));
        // The page's English status line stays silent: the puzzle announces its own state, in German.
        Assert.Equal(string.Empty, await frame.Locator("#status").TextContentAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_slider_is_solved_with_the_keyboard_only()
    {
        (IPage page, PuzzleHands.Images image) = await OpenRegisterAsync(fixture, "light", "kim");
        await page.FocusAsync("#Input_Email");
        await page.Keyboard.PressAsync("Enter", new KeyboardPressOptions { Delay = 60 }); // submits the form: the puzzle shows
        await PuzzleHands.ShownAsync(page);
        (double X, double Y)[] answer = PuzzleHands.Answer(await image.LatestAsync(), "slider", []);

        await PuzzleHands.TabIntoPictureAsync(page);
        await PuzzleHands.KeyAsync(page, answer);

        await RegisteredAsync(page, "kim");
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task A_missed_slider_becomes_a_connect_puzzle_whose_symbols_are_linked_by_clicks(string scheme)
    {
        (IPage page, PuzzleHands.Images images) = await OpenRegisterAsync(fixture, scheme, "lee" + scheme);
        await page.ClickAsync("button[type=submit]");
        LocatorBoundingBoxResult canvas = await PuzzleHands.ShownAsync(page);
        await images.LatestAsync();
        int before = images.Count;

        // Two clicks in empty corners: the piece is "dropped" nowhere near its gap.
        await PuzzleHands.ClickAsync(page, canvas, [(4, 4), (296, 156)]);
        byte[] connect = await images.LatestAsync(before);
        await Assertions.Expect(PuzzleHands.Frame(page).Locator("#pz-msg")).ToHaveTextAsync("That was not it. Here is a new puzzle.");
        await page.WaitForTimeoutAsync(300);
        (string kind, string[] prompt) = await PuzzleHands.ReadTaskAsync(page);
        Assert.Equal("connect", kind);
        Assert.Equal(4, prompt.Length);
        await PuzzleHands.ShotAsync(page, $"puzzle-connect-{scheme}-unsolved");

        (Task arrived, Action release) = await PuzzleHands.HoldNextAnswerAsync(page);
        await PuzzleHands.ClickAsync(page, await PuzzleHands.SettledAsync(page), PuzzleHands.Answer(connect, kind, prompt), seed: 11);

        await arrived.WaitAsync(TimeSpan.FromSeconds(20));
        await PuzzleHands.ShotAsync(page, $"puzzle-connect-{scheme}-solved");
        release();
        await RegisteredAsync(page, "lee" + scheme);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task I_cannot_see_the_puzzle_runs_a_longer_proof_of_work_with_progress_and_registers()
    {
        (IPage page, _) = await OpenRegisterAsync(fixture, "light", "max");
        await page.ClickAsync("button[type=submit]");
        LocatorBoundingBoxResult canvas = await PuzzleHands.ShownAsync(page);
        ILocator button = PuzzleHands.Frame(page).Locator("#pz-blind");
        LocatorBoundingBoxResult target = (await button.BoundingBoxAsync())!;
        await PuzzleHands.ClickAsync(page, canvas, [((target.X - canvas.X + 8) * PuzzleEyes.Width / canvas.Width, (target.Y - canvas.Y + (target.Height / 2)) * PuzzleEyes.Height / canvas.Height)]);

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await Assertions.Expect(PuzzleHands.Frame(page).Locator("#pz-progress")).ToBeVisibleAsync();
        Assert.Equal(0, await PuzzleHands.Frame(page).Locator("#pz-canvas").CountAsync());
        await PuzzleHands.ShotAsync(page, "puzzle-accessible-light-working");
        await page.WaitForSelectorAsync("#registered", new PageWaitForSelectorOptions { Timeout = 120_000 });
        await File.AppendAllTextAsync(Path.Combine(BrowserFixture.ArtifactsDirectory, "timings.txt"),
            $"accessible path (no picture) to registered: {stopwatch.ElapsedMilliseconds} ms{Environment.NewLine}");
        await RegisteredAsync(page, "max");
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task Axe_finds_no_wcag_a_or_aa_violation_with_the_puzzle_open(string scheme)
    {
        (IPage page, _) = await OpenRegisterAsync(fixture, scheme, "axe" + scheme);
        await page.ClickAsync("button[type=submit]");
        await PuzzleHands.ShownAsync(page);

        AxeResult result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        });
        string violations = string.Join(Environment.NewLine, result.Violations.Select(v => $"{v.Id}: {v.Help} — {string.Join("; ", v.Nodes.Select(n => n.Target.ToString()))}"));
        Assert.True(result.Violations.Length == 0, violations);
        // The iframe was analysed too (axe descends into frames).
        Assert.Contains(result.Passes.SelectMany(r => r.Nodes), n => n.Target.ToString().Contains("pz-", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }
}
