using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// A person's hands on the puzzles in a real browser: the puzzle image as the browser received it (its bytes, only
/// pixels), read by <see cref="PuzzleEyes"/>; then a mouse that wanders and drags with a hand's unevenness, or a
/// keyboard that tabs into the picture and steps its cursor with the arrow keys.
/// </summary>
public static class PuzzleHands
{
    public const string Widget = "#crafy-captcha-1";

    /// <summary>Keeps the bytes of every puzzle image the page receives (the browser's copy: what it draws).</summary>
    public sealed class Images
    {
        private readonly List<byte[]> _seen = [];

        /// <summary>Passes every puzzle image through unchanged, keeping a copy of its bytes.</summary>
        public static async Task<Images> WatchAsync(IPage page)
        {
            var images = new Images();
            await page.RouteAsync("**/challenge/puzzle/*", async route =>
            {
                if (route.Request.Method != "GET")
                {
                    await route.ContinueAsync();
                    return;
                }

                IAPIResponse response = await route.FetchAsync();
                byte[] body = await response.BodyAsync();
                if (response.Status == 200)
                {
                    lock (images._seen)
                    {
                        images._seen.Add(body);
                    }
                }

                await route.FulfillAsync(new RouteFulfillOptions { Response = response });
            });
            return images;
        }

        public int Count
        {
            get
            {
                lock (_seen)
                {
                    return _seen.Count;
                }
            }
        }

        /// <summary>The latest image, once there are more than <paramref name="after"/>.</summary>
        public async Task<byte[]> LatestAsync(int after = 0)
        {
            for (int i = 0; i < 300 && Count <= after; i++)
            {
                await Task.Delay(100);
            }

            lock (_seen)
            {
                Assert.True(_seen.Count > after, "no new puzzle image arrived");
                return _seen[^1];
            }
        }
    }

    public static IFrameLocator Frame(IPage page) => page.FrameLocator($"{Widget} iframe");

    /// <summary>Waits until the puzzle is shown in the widget's box and has drawn its image.</summary>
    public static async Task<LocatorBoundingBoxResult> ShownAsync(IPage page)
    {
        await page.WaitForFunctionAsync($"() => !document.querySelector('{Widget} iframe').hasAttribute('aria-hidden')", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        ILocator canvas = Frame(page).Locator("#pz-canvas");
        await canvas.WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });
        return await SettledAsync(page);
    }

    /// <summary>Where the picture is once the widget's layout has settled (it resizes as the puzzle appears).</summary>
    public static async Task<LocatorBoundingBoxResult> SettledAsync(IPage page)
    {
        ILocator canvas = Frame(page).Locator("#pz-canvas");
        LocatorBoundingBoxResult? last = null;
        for (int i = 0; i < 50; i++)
        {
            await page.WaitForTimeoutAsync(150);
            LocatorBoundingBoxResult now = (await canvas.BoundingBoxAsync())!;
            if (last is not null && now.X == last.X && now.Y == last.Y && now.Width == last.Width && now.Height == last.Height && now.Width > 100)
            {
                return now;
            }

            last = now;
        }

        return last!;
    }

    private static (float X, float Y) OnPage(LocatorBoundingBoxResult canvas, (double X, double Y) p)
        => ((float)(canvas.X + (p.X * canvas.Width / PuzzleEyes.Width)), (float)(canvas.Y + (p.Y * canvas.Height / PuzzleEyes.Height)));

    /// <summary>An uneven path at uneven speed from where the mouse is to <paramref name="to"/>.</summary>
    private static async Task WanderAsync(IPage page, Random random, (float X, float Y) from, (float X, float Y) to)
    {
        int steps = 14 + random.Next(6);
        for (int i = 1; i <= steps; i++)
        {
            double t = i / (double)steps, ease = t * t * (3 - (2 * t));
            float wobble = i == steps ? 0 : (float)(Math.Sin(t * Math.PI) * (3 + random.NextDouble() * 4));
            await page.Mouse.MoveAsync(from.X + (float)((to.X - from.X) * ease) + wobble, from.Y + (float)((to.Y - from.Y) * ease) - wobble);
            await Task.Delay(8 + random.Next(0, 22));
        }
    }

    /// <summary>Drags the slider's piece from where it is into its gap.</summary>
    public static async Task DragAsync(IPage page, LocatorBoundingBoxResult canvas, (double X, double Y) pick, (double X, double Y) drop, int seed = 3)
    {
        var random = new Random(seed);
        (float X, float Y) start = (canvas.X - 40, canvas.Y + canvas.Height + 30), a = OnPage(canvas, pick), b = OnPage(canvas, drop);
        await page.Mouse.MoveAsync(start.X, start.Y);
        await WanderAsync(page, random, start, a);
        await Task.Delay(120);
        await page.Mouse.DownAsync();
        await Task.Delay(80);
        await WanderAsync(page, random, a, b);
        await Task.Delay(150);
        await page.Mouse.UpAsync();
    }

    /// <summary>Clicks the points in order (single pointer, no drag).</summary>
    public static async Task ClickAsync(IPage page, LocatorBoundingBoxResult canvas, IEnumerable<(double X, double Y)> points, int seed = 5)
    {
        var random = new Random(seed);
        (float X, float Y) at = (canvas.X + canvas.Width + 30, canvas.Y - 20);
        await page.Mouse.MoveAsync(at.X, at.Y);
        foreach ((double X, double Y) point in points)
        {
            (float X, float Y) target = OnPage(canvas, point);
            await WanderAsync(page, random, at, target);
            await Task.Delay(100 + random.Next(80));
            await page.Mouse.DownAsync();
            await Task.Delay(70 + random.Next(50));
            await page.Mouse.UpAsync();
            at = target;
        }
    }

    /// <summary>Tabs from the focused element into the puzzle picture (at most a dozen presses).</summary>
    public static async Task TabIntoPictureAsync(IPage page)
    {
        ILocator canvas = Frame(page).Locator("#pz-canvas");
        for (int i = 0; i < 12; i++)
        {
            await page.Keyboard.PressAsync("Tab", new KeyboardPressOptions { Delay = 40 });
            if (await canvas.EvaluateAsync<bool>("c => document.hasFocus() && document.activeElement === c"))
            {
                return;
            }
        }

        Assert.Fail("Tab never reached the puzzle picture");
    }

    /// <summary>With the picture focused: moves the cursor (from the centre) to each point with the arrow keys and presses Enter.</summary>
    public static async Task KeyAsync(IPage page, IEnumerable<(double X, double Y)> points)
    {
        (int X, int Y) cursor = (PuzzleEyes.Width / 2, PuzzleEyes.Height / 2);
        foreach ((double X, double Y) point in points)
        {
            (int X, int Y) target = ((int)Math.Round(point.X), (int)Math.Round(point.Y));
            await StepAsync(page, target.X - cursor.X, "ArrowRight", "ArrowLeft");
            await StepAsync(page, target.Y - cursor.Y, "ArrowDown", "ArrowUp");
            await page.Keyboard.PressAsync("Enter", new KeyboardPressOptions { Delay = 60 });
            cursor = target;
        }
    }

    private static async Task StepAsync(IPage page, int delta, string forward, string back)
    {
        string key = delta >= 0 ? forward : back;
        for (int i = 0; i < Math.Abs(delta) / 10; i++)
        {
            await page.Keyboard.PressAsync("Shift+" + key, new KeyboardPressOptions { Delay = 25 });
        }

        for (int i = 0; i < Math.Abs(delta) % 10; i++)
        {
            await page.Keyboard.PressAsync(key, new KeyboardPressOptions { Delay = 25 });
        }
    }

    /// <summary>
    /// Solves the shown puzzle with the mouse as a person does, and again on the next puzzle if the engine says it was
    /// not it (the eyes misread about one image in 200, more on a loaded machine), up to <paramref name="attempts"/>
    /// times; returns once the widget says "Verified".
    /// </summary>
    public static async Task SolveAsync(IPage page, Images images, int attempts = 3)
    {
        ILocator status = page.Locator($"{Widget} .crafy-status");
        ILocator message = Frame(page).Locator("#pz-msg");
        for (int attempt = 1; ; attempt++)
        {
            int seen = images.Count;
            (string kind, string[] prompt) = await ReadTaskAsync(page);
            (double X, double Y)[] answer = Answer(await images.LatestAsync(), kind, prompt);
            if (kind == "slider")
            {
                await DragAsync(page, await SettledAsync(page), answer[0], answer[1]);
            }
            else
            {
                await ClickAsync(page, await SettledAsync(page), answer);
            }

            // Either the pass, or a new puzzle after a miss: wait for whichever comes.
            bool verified = false, missed = false;
            for (int i = 0; i < 300 && !verified && !missed; i++)
            {
                await page.WaitForTimeoutAsync(100);
                verified = await status.TextContentAsync() == "Verified";
                missed = !verified && await message.CountAsync() == 1 && (await message.TextContentAsync() ?? "").StartsWith("That was not it", StringComparison.Ordinal);
            }

            if (verified)
            {
                return;
            }

            Assert.True(missed, "neither a pass nor a new puzzle in 30 s");
            Assert.True(attempt < attempts, $"{attempts} puzzles in a row were missed: {await message.TextContentAsync()}");
            await images.LatestAsync(after: seen);
            await ShownAsync(page);
        }
    }

    /// <summary>What the instructions ask, as a person reads them: the slider, or the symbols to link in order.</summary>
    public static async Task<(string Kind, string[] Prompt)> ReadTaskAsync(IPage page)
    {
        string help = (await Frame(page).Locator("#pz-help").TextContentAsync())!;
        if (help.StartsWith("Move the puzzle piece", StringComparison.Ordinal))
        {
            return ("slider", []);
        }

        string list = help[(help.IndexOf(':', StringComparison.Ordinal) + 1)..help.IndexOf('.', StringComparison.Ordinal)];
        return ("connect", [.. list.Split('→').Select(s => s.Trim())]);
    }

    /// <summary>The points that solve a puzzle image, in image pixels.</summary>
    public static (double X, double Y)[] Answer(byte[] image, string kind, string[] prompt)
    {
        if (kind == "slider")
        {
            ((double X, double Y) pick, (double X, double Y) drop) = PuzzleEyes.SolveSlider(image);
            return [pick, drop];
        }

        Dictionary<string, (double X, double Y)> symbols = PuzzleEyes.FindSymbols(image);
        return [.. prompt.Select(p => symbols[p])];
    }

    /// <summary>
    /// Holds the next answer on its way to the engine (a slow network) until <c>release</c> is called, so a screenshot
    /// can show the solved puzzle before the pass hides it and the pending form posts.
    /// </summary>
    public static async Task<(Task Arrived, Action Release)> HoldNextAnswerAsync(IPage page)
    {
        var arrived = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        await page.RouteAsync("**/challenge/verify", async route =>
        {
            arrived.TrySetResult();
            await release.Task;
            await route.ContinueAsync();
        });
        return (arrived.Task, () => release.TrySetResult());
    }

    public static Task ShotAsync(IPage page, string name)
        => page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, name + ".png"), FullPage = true });
}
