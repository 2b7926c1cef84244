using Microsoft.Playwright;

namespace CrafyCaptcha.Testing;

/// <summary>
/// Debian's chromium driven by Playwright as a person's browser: it does not announce automation
/// (<c>--disable-blink-features=AutomationControlled</c>, a User-Agent without <c>HeadlessChrome</c>). Offline: never
/// <c>playwright install</c>; the browser is <c>/usr/bin/chromium</c>.
/// </summary>
public sealed class PersonBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;

    private PersonBrowser(IPlaywright playwright, IBrowser browser, string? userAgent)
    {
        _playwright = playwright;
        Browser = browser;
        UserAgent = userAgent;
    }

    public IBrowser Browser { get; }

    /// <summary>The browser's own User-Agent with <c>HeadlessChrome</c> said as <c>Chrome</c>, as a person's browser says it.</summary>
    public string? UserAgent { get; }

    public static async Task<PersonBrowser> LaunchAsync()
    {
        IPlaywright playwright = await Playwright.CreateAsync();
        IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = RequiredProgram.Find("chromium", "chromium", "/usr/bin/chromium"),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-blink-features=AutomationControlled"],
        });
        string? userAgent = null;
        if (browser.BrowserType.Name == "chromium")
        {
            await using IBrowserContext probe = await browser.NewContextAsync();
            IPage page = await probe.NewPageAsync();
            userAgent = (await page.EvaluateAsync<string>("navigator.userAgent")).Replace("HeadlessChrome", "Chrome", StringComparison.Ordinal);
        }

        return new PersonBrowser(playwright, browser, userAgent);
    }

    /// <summary>A page in a fresh context (its own cookies), in <paramref name="locale"/> (English by default), light or dark.</summary>
    public async Task<IPage> NewPageAsync(Uri baseUrl, string? colorScheme = null, string locale = "en-US")
    {
        IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            UserAgent = UserAgent,
            BaseURL = baseUrl.ToString(),
            ColorScheme = colorScheme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
            Locale = locale,
        });
        IPage page = await context.NewPageAsync();
        page.Console += (_, message) => Console.WriteLine($"[browser {message.Type}] {message.Text}");
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
