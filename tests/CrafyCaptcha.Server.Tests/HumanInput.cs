using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>Input as a person's hand makes it, for the browser tests of interactive steps.</summary>
public static class HumanInput
{
    /// <summary>An uneven curve into <paramref name="box"/> at uneven speed, then a press of some 90 ms.</summary>
    public static async Task ClickAsync(IPage page, ILocator box, int seed)
    {
        LocatorBoundingBoxResult target = (await box.BoundingBoxAsync())!;
        float x = target.X - 60, y = target.Y + 40;
        await page.Mouse.MoveAsync(x, y);
        var random = new Random(seed);
        for (int i = 0; i < 10; i++)
        {
            x += 6 + (float)(random.NextDouble() * 4);
            y -= 3 + (float)(random.NextDouble() * 2 * Math.Sin(i));
            await page.Mouse.MoveAsync(x, y);
            await Task.Delay(10 + random.Next(0, 25));
        }

        await page.Mouse.MoveAsync(target.X + 11, target.Y + (target.Height / 2), new MouseMoveOptions { Steps = 3 });
        await Task.Delay(150);
        await page.Mouse.DownAsync();
        await Task.Delay(90);
        await page.Mouse.UpAsync();
    }
}
