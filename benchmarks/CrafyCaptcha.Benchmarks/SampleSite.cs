using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;

namespace CrafyCaptcha.Benchmarks;

/// <summary>
/// What the browser benchmarks share: the sample (Release build, embedded engine, in-memory state, Kestrel on
/// 127.0.0.1 on a free port) as a separate process, and Debian's chromium driven by Playwright as a person's browser
/// (<c>--disable-blink-features=AutomationControlled</c>, a User-Agent without <c>HeadlessChrome</c>).
/// </summary>
internal static class SampleSite
{
    /// <summary>
    /// Records, on the page's own clock (navigation start = 0), the moment the token lands in the comment form's hidden
    /// input as <c>window.__crafyTokenAt</c>.
    /// </summary>
    public const string TokenClock = """
        if (window.top === window) {
          const poll = () => {
            const input = document.querySelector('input[name=CrafyCAPTCHA_token]');
            if (input && input.value) { window.__crafyTokenAt = performance.now(); return; }
            setTimeout(poll, 2);
          };
          poll();
        }
        """;

    /// <summary>
    /// Starts the sample. With <paramref name="oneAddressIsAnOffice"/> the per-address and per-network velocity budgets
    /// are lifted (every visit comes from 127.0.0.1: an office behind one address, not a flood); without it the sample
    /// keeps its default risk settings.
    /// </summary>
    private static Process Start(string root, int port, string state, bool oneAddressIsAnOffice)
    {
        var start = new ProcessStartInfo("dotnet", ["run", "-c", "Release", "--no-launch-profile", "--project", Path.Combine(root, "samples", "CrafyCaptcha.Sample"), "--", "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (string setting in Environment.GetEnvironmentVariable("CRAFY_PASS_LATENCY_SETTINGS")?.Split(';', StringSplitOptions.RemoveEmptyEntries) ?? [])
        {
            string[] pair = setting.Split('=', 2);
            start.Environment[pair[0]] = pair.Length > 1 ? pair[1] : string.Empty; // e.g. CrafyChallengeServer__Instrumentation__Enabled=false
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["CrafyChallengeServer__DevelopmentCredentialPath"] = Path.Combine(state, "dev-credential.json");
        if (oneAddressIsAnOffice)
        {
            start.Environment["CrafyChallengeServer__Risk__IpFreeLoads"] = "100000";
            start.Environment["CrafyChallengeServer__Risk__IpLoadsRefused"] = "1000000";
            start.Environment["CrafyChallengeServer__Risk__NetworkFreeLoads"] = "100000";
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start the sample");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("sample: " + e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// Starts the sample (see <see cref="Start"/>), waits until it is up, launches the person-like chromium, runs
    /// <paramref name="body"/> with the site's address, the browser, its User-Agent and the sample's process, and stops the sample.
    /// </summary>
    public static async Task<int> RunAsync(string name, bool oneAddressIsAnOffice, Func<Uri, IBrowser, string, Process, Task<int>> body)
    {
        string root = RepositoryRoot();
        int port = FreePort();
        string state = Directory.CreateTempSubdirectory(name).FullName;
        using Process sample = Start(root, port, state, oneAddressIsAnOffice);
        try
        {
            var baseUrl = new Uri($"http://127.0.0.1:{port}/");
            await WaitUntilUpAsync(baseUrl, sample);
            using IPlaywright playwright = await Playwright.CreateAsync();
            await using IBrowser browser = await LaunchChromiumAsync(playwright);
            return await body(baseUrl, browser, await PersonUserAgentAsync(browser), sample);
        }
        finally
        {
            Stop(sample, state);
        }
    }

    /// <summary>Stops the sample (its whole process tree) and deletes its state directory.</summary>
    private static void Stop(Process sample, string state)
    {
        try
        {
            sample.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }

        Directory.Delete(state, recursive: true);
    }

    /// <summary>Waits until the sample answers <c>GET /Comments</c> (a page view: no challenge load is counted).</summary>
    private static async Task WaitUntilUpAsync(Uri baseUrl, Process sample)
    {
        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(2) };
        for (int i = 0; i < 600; i++)
        {
            if (sample.HasExited)
            {
                throw new InvalidOperationException("the sample exited with " + sample.ExitCode);
            }

            try
            {
                if ((await http.GetAsync("/Comments")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(500);
        }

        throw new TimeoutException("the sample did not start within 5 minutes");
    }

    /// <summary>Debian's chromium, headless, not announcing automation.</summary>
    private static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-blink-features=AutomationControlled"],
    });

    /// <summary>The browser's own User-Agent with <c>HeadlessChrome</c> said as <c>Chrome</c>.</summary>
    private static async Task<string> PersonUserAgentAsync(IBrowser browser)
    {
        await using IBrowserContext probe = await browser.NewContextAsync();
        IPage page = await probe.NewPageAsync();
        return (await page.EvaluateAsync<string>("navigator.userAgent")).Replace("HeadlessChrome", "Chrome", StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "CrafyCaptcha.AspNetCore.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("run from inside the repository");
    }
}
