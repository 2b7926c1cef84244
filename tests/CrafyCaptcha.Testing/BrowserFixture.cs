using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;

namespace CrafyCaptcha.Testing;

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
    private CrafyCaptcha.Testing.PersonBrowser? _browser;

    public WebApplicationFactory<Program> App { get; private set; } = null!;

    public IBrowser Browser => _browser!.Browser;

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
            foreach ((string key, string? value) in settings)
            {
                b.UseSetting(key, value); // also seen by Program.cs while it builds (e.g. ConnectionStrings:Redis)
            }

            b.ConfigureServices(ConfigureServices);
        });
        App.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        App.StartServer();
        BaseUrl = App.ClientOptions.BaseAddress;
        _browser = await CrafyCaptcha.Testing.PersonBrowser.LaunchAsync();
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
    public string? UserAgent => _browser?.UserAgent;

    public Task<IPage> NewPageAsync(string? colorScheme = null, string locale = "en-US") => _browser!.NewPageAsync(BaseUrl, colorScheme, locale);

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        await App.DisposeAsync();
        if (Directory.Exists(_contentState))
        {
            Directory.Delete(_contentState, recursive: true);
        }
    }
}
