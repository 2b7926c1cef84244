using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;

namespace CrafyCaptcha.Benchmarks;

/// <summary>
/// The sample site (<c>samples/CrafyCaptcha.Sample</c>, Release, embedded engine) as a separate process on a free port of
/// 127.0.0.1, for the end-to-end modes (<c>pass-latency</c>, <c>pass-cpu</c>, <c>bot-cost</c>), and Debian's chromium
/// driven by Playwright as a person's browser (<c>--disable-blink-features=AutomationControlled</c>, a User-Agent
/// without <c>HeadlessChrome</c>).
/// </summary>
internal static class SampleSite
{
    /// <summary>
    /// Starts the sample with <c>dotnet run</c>. One address makes every visit: an office behind one IP, not a flood (the
    /// velocity rungs are not measured here), so its free loads are raised; <paramref name="settings"/> (environment
    /// variables, e.g. <c>CrafyChallengeServer__Instrumentation__Enabled=false</c>) come on top.
    /// </summary>
    public static Process Start(string root, int port, string state, IEnumerable<KeyValuePair<string, string>> settings, bool oneAddressIsAnOffice = true)
    {
        var start = new ProcessStartInfo("dotnet", ["run", "-c", "Release", "--no-launch-profile", "--project", Path.Combine(root, "samples", "CrafyCaptcha.Sample"), "--", "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["CrafyChallengeServer__DevelopmentCredentialPath"] = Path.Combine(state, "dev-credential.json");
        if (oneAddressIsAnOffice)
        {
            start.Environment["CrafyChallengeServer__Risk__IpFreeLoads"] = "100000";
            start.Environment["CrafyChallengeServer__Risk__IpLoadsRefused"] = "1000000";
            start.Environment["CrafyChallengeServer__Risk__NetworkFreeLoads"] = "100000";
        }

        foreach ((string key, string value) in settings)
        {
            start.Environment[key] = value;
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start the sample");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("sample: " + e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The settings of <c>CRAFY_PASS_LATENCY_SETTINGS</c> (<c>KEY=value;KEY=value</c>).</summary>
    public static IEnumerable<KeyValuePair<string, string>> SettingsFromEnvironment()
        => (Environment.GetEnvironmentVariable("CRAFY_PASS_LATENCY_SETTINGS")?.Split(';', StringSplitOptions.RemoveEmptyEntries) ?? [])
            .Select(s => s.Split('=', 2))
            .Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1] : string.Empty));

    /// <summary>
    /// The process that serves the site: <c>dotnet run</c> builds, then starts the app as its child (the apphost
    /// <c>CrafyCaptcha.Sample</c>); the deepest descendant of <paramref name="sample"/> (Linux <c>/proc</c>).
    /// </summary>
    public static int ServerPid(Process sample)
    {
        int pid = sample.Id;
        while (Children(pid).FirstOrDefault() is int child and > 0)
        {
            pid = child;
        }

        return pid;
    }

    private static IEnumerable<int> Children(int pid)
        => Directory.EnumerateDirectories($"/proc/{pid}/task")
            .SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture));

    public static async Task WaitUntilUpAsync(Uri baseUrl, Process sample)
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

    public static void Stop(Process sample)
    {
        try
        {
            sample.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string RepositoryRoot()
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
    /// Starts the sample (with its default risk settings unless <paramref name="oneAddressIsAnOffice"/>), waits until it
    /// is up, launches the person-like chromium, runs <paramref name="body"/> with the site's address, the browser, its
    /// User-Agent and the sample's process, and stops the sample.
    /// </summary>
    public static async Task<int> RunAsync(string name, bool oneAddressIsAnOffice, Func<Uri, IBrowser, string, Process, Task<int>> body)
    {
        string root = RepositoryRoot();
        int port = FreePort();
        string state = Directory.CreateTempSubdirectory(name).FullName;
        using Process sample = Start(root, port, state, SettingsFromEnvironment(), oneAddressIsAnOffice);
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
            Stop(sample);
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>Debian's chromium, headless, not announcing automation.</summary>
    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-blink-features=AutomationControlled"],
    });

    /// <summary>The browser's own User-Agent with <c>HeadlessChrome</c> said as <c>Chrome</c>.</summary>
    public static async Task<string> PersonUserAgentAsync(IBrowser browser)
    {
        await using IBrowserContext probe = await browser.NewContextAsync();
        IPage page = await probe.NewPageAsync();
        return (await page.EvaluateAsync<string>("navigator.userAgent")).Replace("HeadlessChrome", "Chrome", StringComparison.Ordinal);
    }
}
