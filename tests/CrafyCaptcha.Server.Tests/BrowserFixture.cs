using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The sample site (embedded engine, no keys) on a real Kestrel server on 127.0.0.1, and Debian's chromium driven by
/// Playwright as a person's browser: it does not announce automation (<c>--disable-blink-features=AutomationControlled</c>,
/// a User-Agent without <c>HeadlessChrome</c>). Every test's visits come from 127.0.0.1, like an office behind one
/// address: the fixture raises the per-address velocity budgets so that the many visits of the whole suite stay on the
/// invisible rung; tests of the ladder use an app of their own with the defaults.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    private readonly string _contentState = Path.Combine(Path.GetTempPath(), "crafy-browser-" + Guid.NewGuid().ToString("N"));
    private IPlaywright? _playwright;

    public WebApplicationFactory<Program> App { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Screenshots and timings; <c>CRAFY_ARTIFACTS</c> overrides the place (CI keeps them under TestResults).</summary>
    public static string ArtifactsDirectory { get; } = Environment.GetEnvironmentVariable("CRAFY_ARTIFACTS") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "artifacts");

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["CrafyChallengeServer:DevelopmentCredentialPath"] = Path.Combine(_contentState, "dev-credential.json"),
            ["Logging:LogLevel:Default"] = "Warning",
            ["CrafyChallengeServer:Risk:IpFreeLoads"] = "10000",
            ["CrafyChallengeServer:Risk:IpLoadsRefused"] = "100000",
            ["CrafyChallengeServer:Risk:NetworkFreeLoads"] = "10000",
        };
        Configure(settings);
        App = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(settings));
            b.ConfigureServices(ConfigureServices);
        });
        App.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        App.StartServer();
        BaseUrl = App.ClientOptions.BaseAddress;
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = CrafyCaptcha.Testing.RequiredProgram.Find("chromium", "chromium", "/usr/bin/chromium"),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-blink-features=AutomationControlled"],
        });
        UserAgent = Browser.BrowserType.Name == "chromium" ? await PersonUserAgentAsync() : null;
        Directory.CreateDirectory(ArtifactsDirectory);
    }

    /// <summary>Settings of the sample for a fixture of its own (e.g. a short token lifetime).</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    /// <summary>Services of the sample for a fixture of its own (e.g. a logger that keeps what was logged).</summary>
    protected virtual void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
    {
    }

    /// <summary>The browser's own User-Agent with <c>HeadlessChrome</c> said as <c>Chrome</c>, as a person's browser says it.</summary>
    public string? UserAgent { get; private set; }

    private async Task<string> PersonUserAgentAsync()
    {
        await using IBrowserContext probe = await Browser.NewContextAsync();
        IPage page = await probe.NewPageAsync();
        string ua = await page.EvaluateAsync<string>("navigator.userAgent");
        return ua.Replace("HeadlessChrome", "Chrome", StringComparison.Ordinal);
    }

    public async Task<IPage> NewPageAsync(string? colorScheme = null)
    {
        IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            UserAgent = UserAgent,
            BaseURL = BaseUrl.ToString(),
            ColorScheme = colorScheme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
            Locale = "en-US",
        });
        IPage page = await context.NewPageAsync();
        page.Console += (_, message) => Console.WriteLine($"[browser {message.Type}] {message.Text}");
        return page;
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await App.DisposeAsync();
        if (Directory.Exists(_contentState))
        {
            Directory.Delete(_contentState, recursive: true);
        }
    }
}
