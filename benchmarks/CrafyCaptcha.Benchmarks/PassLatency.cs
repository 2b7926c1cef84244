using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace CrafyCaptcha.Benchmarks;

/// <summary>
/// The invisible pass as a person sees it: the sample (Release build, embedded engine, Kestrel on 127.0.0.1) and one
/// warm headless Debian chromium that does not announce automation (<c>--disable-blink-features=AutomationControlled</c>,
/// a User-Agent without <c>HeadlessChrome</c>); each visit is a fresh browser context (no cache, no cookies) opening the
/// comment form (hidden policy) and timing navigation start → token in the form's hidden input. Reports p50/p95, the
/// proof-of-work search space the engine asked and the number the browser found (hashes computed, about), and the
/// bytes (gzip) the browser loaded for the pass. Run: <c>dotnet run -c Release --project benchmarks/CrafyCaptcha.Benchmarks -- pass-latency [visits] [argon2id]</c>
/// (<c>argon2id</c>: <c>CrafyChallengeServer:Pow:Algorithm=ARGON2ID</c>; with Argon2id the "search space" below is counters, not hashes).
/// </summary>
internal static class PassLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        int visits = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out int v) ? v : 30;
        string root = SampleSite.RepositoryRoot();
        int port = SampleSite.FreePort();
        string state = Directory.CreateTempSubdirectory("crafy-pass-latency").FullName;
        // "argon2id" anywhere after the visits: the engine's proof-of-work is Argon2id (ALTCHA PoW v2, its defaults).
        bool argon2id = args.Skip(1).Any(a => a.Equals("argon2id", StringComparison.OrdinalIgnoreCase));
        IEnumerable<KeyValuePair<string, string>> settings = SampleSite.SettingsFromEnvironment();
        if (argon2id)
        {
            settings = settings.Prepend(KeyValuePair.Create("CrafyChallengeServer__Pow__Algorithm", "ARGON2ID"));
        }

        using Process sample = SampleSite.Start(root, port, state, settings);
        try
        {
            var baseUrl = new Uri($"http://127.0.0.1:{port}/");
            await SampleSite.WaitUntilUpAsync(baseUrl, sample);
            using IPlaywright playwright = await Playwright.CreateAsync();
            await using IBrowser browser = await SampleSite.LaunchChromiumAsync(playwright);
            string userAgent = await SampleSite.PersonUserAgentAsync(browser);

            // Warm-up visits, not counted: the browser's first worker, and the site's and the engine's JIT. .NET's tiered
            // compilation recompiles a method after 30 calls, in the background, on the same two cores as the browser: with
            // 3 or 12 warm-up visits (each calls most request-path methods once) the recompilations fell inside the counted
            // visits, whose slowest then waited 80-250 ms for /verify or the program (2026-11-27). 40 visits take every
            // per-visit method past 30 calls first; a running site has long been. CRAFY_PASS_WARMUP sets another number.
            int warmUp = int.TryParse(Environment.GetEnvironmentVariable("CRAFY_PASS_WARMUP"), out int w) ? w : 40;
            for (int i = 0; i < warmUp; i++)
            {
                await VisitAsync(browser, userAgent, baseUrl);
            }

            var times = new List<double>(visits);
            var all = new List<Visit>(visits);
            var phases = new Dictionary<string, List<double>>(StringComparer.Ordinal);
            var spaces = new List<long>(visits);
            var found = new List<long>(visits);
            long bytes = 0, widgetBytes = 0;
            string loaded = string.Empty;
            for (int i = 0; i < visits; i++)
            {
                Visit visit = await VisitAsync(browser, userAgent, baseUrl);
                all.Add(visit);
                times.Add(visit.Milliseconds);
                spaces.Add(visit.MaxNumber);
                found.Add(visit.Number);
                bytes = visit.ScriptBytes;
                widgetBytes = visit.WidgetBytes;
                loaded = visit.Scripts;
                foreach ((string phase, double ms) in visit.Phases)
                {
                    (phases.TryGetValue(phase, out List<double>? list) ? list : phases[phase] = []).Add(ms);
                }
            }

            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pass-latency: {visits} visits of /Comments (hidden policy) after {warmUp} warm-up visits, proof-of-work {(argon2id ? "ARGON2ID" : "SHA-256")}, navigation start -> token in the form"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  p50 {Percentile(times, 0.50):F0} ms, p95 {Percentile(times, 0.95):F0} ms, min {times[0]:F0} ms, max {times[^1]:F0} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  proof-of-work search space per pass (maxnumber, summed over its parts): min {spaces.Min()}, median {Median(spaces)}; expected hashes per pass = that / 2 = {Median(spaces) / 2}; hashes computed (numbers found, summed; mean) {found.Average():F0}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  widget bytes (the parent page's widget script), gzip -9: {widgetBytes} bytes; budget 8,192 ({(widgetBytes is > 0 and <= 8192 ? "within" : "OVER")})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  scripts loaded for the pass (parent widget + the challenge page, which carries the iframe scripts and the program inline), gzip -9 each: {bytes} bytes ({loaded})"));
            Console.WriteLine("  where the time goes (median ms after navigation start, resource timing of the page and the iframe):");
            foreach ((string phase, List<double> values) in phases.OrderBy(p => Median(p.Value)))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {Median(values),7:F0}  {phase} ({values.Count} visits)"));
            }

            // The tail: every visit in order, and the slowest two's own timelines (what p95 is made of).
            Console.WriteLine("  visits in order (ms): " + string.Join(' ', all.Select(v => v.Milliseconds.ToString("F0", CultureInfo.InvariantCulture))));
            foreach (Visit slow in all.OrderByDescending(v => v.Milliseconds).Take(2))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  visit {all.IndexOf(slow) + 1} ({slow.Milliseconds:F0} ms): ")
                    + string.Join(", ", slow.Phases.OrderBy(p => p.Ms).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Ms:F0} {p.Phase}"))));
            }

            return 0;
        }
        finally
        {
            SampleSite.Stop(sample);
            Directory.Delete(state, recursive: true);
        }
    }

    private sealed record Visit(double Milliseconds, long MaxNumber, long Number, long ScriptBytes, long WidgetBytes, string Scripts, IReadOnlyList<(string Phase, double Ms)> Phases);

    // A frame's resource timing on the page's clock: [name, start, end] per entry, plus the frame's own time origin.
    private const string Timeline = """
        () => [performance.timeOrigin, performance.getEntriesByType('resource').map(e => [e.name, e.startTime, e.responseEnd])]
        """;

    private static async Task<Visit> VisitAsync(IBrowser browser, string userAgent, Uri baseUrl)
    {
        await using IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { UserAgent = userAgent, BaseURL = baseUrl.ToString() });
        var scripts = new List<IResponse>();
        long number = -1;
        context.Request += (_, request) =>
        {
            // The answer the iframe posts: the number its workers found (about the hashes computed, with one worker).
            if (request.Method == "POST" && request.Url.EndsWith("/verify", StringComparison.Ordinal) && request.PostData is { } body)
            {
                using var json = System.Text.Json.JsonDocument.Parse(body);
                number = json.RootElement.GetProperty("pow").GetProperty("number").GetInt64();
                if (json.RootElement.TryGetProperty("pow_parts", out System.Text.Json.JsonElement parts) && parts.ValueKind == System.Text.Json.JsonValueKind.Array)
                {
                    number += parts.EnumerateArray().Sum(p => p.GetProperty("number").GetInt64()); // the hashes of every part
                }
            }
        };
        context.Response += (_, response) =>
        {
            // Scripts, and the challenge page itself: it carries challenge.js and the worker's script inline.
            // (A blob: worker's script is the challenge page's text, counted there.)
            if (response.Url.StartsWith("blob:", StringComparison.Ordinal))
            {
                return;
            }

            if (response.Request.ResourceType == "script" || response.Url.EndsWith(".js", StringComparison.Ordinal) || response.Url.Contains(".js?", StringComparison.Ordinal)
                || (response.Request.Method == "POST" && response.Url.EndsWith("/challenge/", StringComparison.Ordinal)))
            {
                lock (scripts)
                {
                    scripts.Add(response);
                }
            }
        };

        // The moment the token lands in the hidden input, on the page's own clock (navigation start = 0).
        await context.AddInitScriptAsync(SampleSite.TokenClock);
        IPage page = await context.NewPageAsync();
        await page.GotoAsync("/Comments");
        await page.WaitForFunctionAsync("() => window.__crafyTokenAt !== undefined", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        double at = await page.EvaluateAsync<double>("window.__crafyTokenAt");
        Trace("token");
        long maxNumber = 0;
        var phases = new List<(string, double)>();
        double origin = 0;
        foreach (IFrame frame in page.Frames)
        {
            bool challenge = frame != page.MainFrame && await frame.EvaluateAsync<bool>("!!(document.body && document.body.dataset.pow)");
            if (challenge)
            {
                maxNumber = await frame.EvaluateAsync<long>("(p => [p].concat(p.parts || []).reduce((s, q) => s + q.maxnumber, 0))(JSON.parse(document.body.dataset.pow))");
            }

            if (frame == page.MainFrame || challenge)
            {
                System.Text.Json.JsonElement timeline = await frame.EvaluateAsync<System.Text.Json.JsonElement>(Timeline);
                double frameOrigin = timeline[0].GetDouble();
                if (frame == page.MainFrame)
                {
                    origin = frameOrigin;
                }
                else
                {
                    phases.Add(("challenge iframe: navigation start", frameOrigin - origin));
                }

                foreach (System.Text.Json.JsonElement entry in timeline[1].EnumerateArray())
                {
                    string path = new Uri(entry[0].GetString()!).AbsolutePath;
                    double start = entry[1].GetDouble() + frameOrigin - origin, end = entry[2].GetDouble() + frameOrigin - origin;
                    if (path.EndsWith("/verify", StringComparison.Ordinal))
                    {
                        phases.Add(("answer sent (proof-of-work and program done)", start));
                    }

                    phases.Add((path + " received", end));
                }
            }
        }

        phases.Add(("token in the form", at));
        Trace("timeline");

        long bytes = 0, widgetBytes = 0;
        var sizes = new List<string>();
        // The bodies as the browser received them (the challenge page is made once per flow: it cannot be fetched again).
        // A worker the iframe terminated (the search is split between several) no longer has its body: the same URL's
        // other responses do, or a plain GET of a static asset.
        using var http = new HttpClient { BaseAddress = baseUrl };
        foreach (IGrouping<string, IResponse> sameUrl in scripts.GroupBy(r => r.Url))
        {
            string url = sameUrl.Key;
            byte[]? body = null;
            foreach (IResponse response in sameUrl)
            {
                try
                {
                    // A terminated worker's body may never come: not waited for more than 5 s.
                    body = await response.BodyAsync().WaitAsync(TimeSpan.FromSeconds(5));
                    break;
                }
                catch (Exception e) when (e is PlaywrightException or TimeoutException)
                {
                }
            }

            Trace("body " + url);
            body ??= url.EndsWith("/challenge/", StringComparison.Ordinal) ? [] : await http.GetByteArrayAsync(new Uri(url));
            using var gz = new MemoryStream();
            using (var zip = new System.IO.Compression.GZipStream(gz, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zip.Write(body);
            }

            bytes += gz.Length;
            string path = new Uri(url).AbsolutePath;
            if (System.Text.RegularExpressions.Regex.IsMatch(path, @"/crafy-captcha(\.[a-z]{2})?(\.min)?\.js$"))
            {
                widgetBytes = gz.Length;
            }

            sizes.Add(string.Create(CultureInfo.InvariantCulture, $"{path} {gz.Length}"));
        }

        return new Visit(at, maxNumber, number, bytes, widgetBytes, string.Join(", ", sizes), phases);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static T Median<T>(List<T> values) => values.Order().ElementAt(values.Count / 2);

    private static void Trace(string what)
    {
        if (Environment.GetEnvironmentVariable("CRAFY_PASS_LATENCY_TRACE") == "1")
        {
            Console.Error.WriteLine($"pass-latency: {what}");
        }
    }
}
