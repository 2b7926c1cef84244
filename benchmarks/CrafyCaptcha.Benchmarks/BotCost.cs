using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace CrafyCaptcha.Benchmarks;

/// <summary>
/// The cheapest headless-browser bot from one address: the sample with its default risk settings (nothing lifted) and
/// one warm headless chromium that does not announce automation, making <c>N</c> passes of the comment form (hidden
/// policy) from 127.0.0.1 as fast as it can, each in a fresh browser context (no cookies). When the checkbox appears it
/// ticks it with a synthetic pointer trail (an uneven path at uneven intervals, a press of 80-120 ms, at least 300 ms
/// after the box was shown); a puzzle or a refusal ends the pass without a token. Reports the tokens per outcome, the
/// rung and proof-of-work asked pass by pass, and chromium's CPU time (all its processes, reaped children included, from
/// <c>/proc</c>) per token and per 1,000 tokens. Run:
/// <c>dotnet run -c Release --project benchmarks/CrafyCaptcha.Benchmarks -- bot-cost [passes]</c>.
/// </summary>
internal static class BotCost
{
    private const string Invisible = "invisible token", Checkbox = "checkbox token", Puzzle = "puzzle", Refused = "refused", Error = "error";

    // What the challenge iframe asks, read from its body: the rung and the proof-of-work (null when no challenge page yet).
    private const string ChallengeState = """
        () => {
          const d = document.body && document.body.dataset;
          if (!d || !d.pow) return null;
          const p = JSON.parse(d.pow);
          const box = document.getElementById('check');
          const all = [p.maxnumber].concat((p.parts || []).map(q => q.maxnumber));
          const sum = all.reduce((s, q) => s + q, 0);
          return { pow: all.every(q => q === all[0]) ? all.length + ' x ' + all[0] + ' = ' + sum : all.join('+') + ' = ' + sum,
                   surcharge: d.powSurcharge ? JSON.parse(d.powSurcharge).maxnumber : 0,
                   puzzle: d.puzzle ? (JSON.parse(d.puzzle).kind || 'puzzle') : '', checkbox: d.checkbox === 'true', ready: !!box && !box.disabled && box.offsetWidth > 0 };
        }
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        int passes = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out int n) ? n : 120;
        // Optional: the seconds from one pass's start to the next (a bot pacing itself under the velocity budgets); 0, as fast as it can.
        double pace = args.Length > 2 && double.TryParse(args[2], CultureInfo.InvariantCulture, out double s) ? s : 0;
        // The sample as it ships: every velocity budget and risk limit at its default.
        return await SampleSite.RunAsync("crafy-bot-cost", oneAddressIsAnOffice: false, async (baseUrl, browser, userAgent, sample) =>
        {

            string loadBefore = File.ReadAllText("/proc/loadavg").Trim();
            Ticks before = Ticks.Now(sample.Id);
            var wall = Stopwatch.StartNew();
            var all = new List<Pass>(passes);
            for (int i = 0; i < passes; i++)
            {
                TimeSpan due = TimeSpan.FromSeconds(pace * i);
                if (wall.Elapsed < due)
                {
                    await Task.Delay(due - wall.Elapsed);
                }

                Ticks passBefore = Ticks.Now(sample.Id);
                Pass pass = await PassAsync(browser, userAgent, baseUrl, seed: i, wall);
                pass = pass with { ChromiumSeconds = Ticks.Now(sample.Id).Minus(passBefore).Chromium };
                all.Add(pass);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  pass {i + 1,3} at {pass.StartedAt,6:F1} s: {pass.Outcome,-15} pow {pass.Pow}{(pass.Surcharge > 0 ? $" + surcharge {pass.Surcharge}" : string.Empty)}{(pass.TokenMs > 0 ? $", token at {pass.TokenMs:F0} ms" : string.Empty)}, pass {pass.Milliseconds:F0} ms, chromium {pass.ChromiumSeconds:F2} CPU-s{(pass.Note.Length > 0 ? ", " + pass.Note : string.Empty)}"));
            }

            wall.Stop();
            Ticks after = Ticks.Now(sample.Id);
            string loadAfter = File.ReadAllText("/proc/loadavg").Trim();
            Report(all, pace, wall.Elapsed, after.Minus(before), loadBefore, loadAfter);
            return 0;
        });
    }

    private static string Rung(Pass pass) => pass.Outcome == Puzzle ? "puzzle (" + pass.Note + ")" : pass.Outcome;

    private sealed record Pass(string Outcome, string Pow, long Surcharge, double TokenMs, double Milliseconds, double StartedAt, string Note)
    {
        public double ChromiumSeconds { get; init; }
    }

    private static async Task<Pass> PassAsync(IBrowser browser, string userAgent, Uri baseUrl, int seed, Stopwatch clock)
    {
        double startedAt = clock.Elapsed.TotalSeconds;
        var watch = Stopwatch.StartNew();
        await using IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { UserAgent = userAgent, BaseURL = baseUrl.ToString() });
        var refusals = new List<string>();
        context.Response += (_, r) =>
        {
            // A refused challenge load (403 deny list, 429 flood) or a refused answer.
            if (r.Status >= 400 && r.Url.Contains("/challenge/", StringComparison.Ordinal))
            {
                lock (refusals)
                {
                    refusals.Add(string.Create(CultureInfo.InvariantCulture, $"{r.Status} {new Uri(r.Url).AbsolutePath}"));
                }
            }
        };
        string answered = string.Empty;
        context.Request += (_, r) =>
        {
            // The answer: the trail's kind, and whether it paid the checkbox rung's extra proof-of-work.
            if (r.Method == "POST" && r.Url.EndsWith("/verify", StringComparison.Ordinal) && r.PostData is { } body)
            {
                using var json = JsonDocument.Parse(body);
                bool trail = json.RootElement.TryGetProperty("interaction", out JsonElement interaction) && interaction.ValueKind == JsonValueKind.Object;
                bool paid = json.RootElement.TryGetProperty("pow_surcharge", out JsonElement extra) && extra.ValueKind == JsonValueKind.Object;
                answered = (trail ? interaction.GetProperty("kind").GetString() + " trail" : "no trail") + (paid ? ", surcharge paid" : string.Empty);
            }
        };
        await context.AddInitScriptAsync(SampleSite.TokenClock);
        IPage page = await context.NewPageAsync();
        string pow = "-";
        long surcharge = 0;
        bool ticked = false;
        try
        {
            await page.GotoAsync("/Comments");
            while (watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                lock (refusals)
                {
                    if (refusals.Count > 0)
                    {
                        return new Pass(Refused, pow, surcharge, 0, watch.Elapsed.TotalMilliseconds, startedAt, string.Join(' ', refusals));
                    }
                }

                foreach (IFrame frame in page.Frames.Where(f => f != page.MainFrame))
                {
                    JsonElement challenge;
                    try
                    {
                        challenge = await frame.EvaluateAsync<JsonElement>(ChallengeState);
                    }
                    catch (PlaywrightException)
                    {
                        continue; // the frame navigated (a reload): read again on the next round
                    }

                    if (challenge.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    pow = challenge.GetProperty("pow").GetString()!;
                    surcharge = challenge.GetProperty("surcharge").GetInt64();
                    if (challenge.GetProperty("puzzle").GetString() is { Length: > 0 } puzzle)
                    {
                        return new Pass(Puzzle, pow, surcharge, 0, watch.Elapsed.TotalMilliseconds, startedAt, puzzle);
                    }

                    if (!ticked && challenge.GetProperty("ready").GetBoolean())
                    {
                        await TickAsync(page, frame.Locator("#check"), new Random(seed));
                        ticked = true;
                    }
                }

                if (await page.EvaluateAsync<bool>("window.__crafyTokenAt !== undefined"))
                {
                    double at = await page.EvaluateAsync<double>("window.__crafyTokenAt");
                    string token = await page.Locator("input[name=CrafyCAPTCHA_token]").InputValueAsync();
                    string mode = TokenMode(token);
                    return new Pass(mode == "checkbox" ? Checkbox : mode == "invisible" ? Invisible : mode, pow, surcharge, at, watch.Elapsed.TotalMilliseconds, startedAt, answered);
                }

                await Task.Delay(25);
            }

            return new Pass(Error, pow, surcharge, 0, watch.Elapsed.TotalMilliseconds, startedAt, ticked ? "no token within 60 s after the tick" : "no token within 60 s");
        }
        catch (PlaywrightException e)
        {
            return new Pass(Error, pow, surcharge, 0, watch.Elapsed.TotalMilliseconds, startedAt, e.Message.Split('\n')[0]);
        }
    }

    /// <summary>
    /// A synthetic hand: from off the box along an uneven curve at uneven intervals (the trail itself takes 300 ms or
    /// more, so the press comes well after the engine's 250 ms), then a press of 80-120 ms.
    /// </summary>
    private static async Task TickAsync(IPage page, ILocator box, Random random)
    {
        var shown = Stopwatch.StartNew();
        LocatorBoundingBoxResult target = (await box.BoundingBoxAsync())!;
        float x = target.X - 70 - (float)(random.NextDouble() * 30), y = target.Y + 45 + (float)(random.NextDouble() * 20);
        float toX = target.X + 8 + (float)(random.NextDouble() * (target.Width - 16)), toY = target.Y + (target.Height / 2) + (float)(random.NextDouble() * 6) - 3;
        int steps = 9 + random.Next(5);
        for (int i = 1; i <= steps; i++)
        {
            double t = i / (double)steps, ease = t * t * (3 - (2 * t));
            float wobble = i == steps ? 0 : (float)(Math.Sin(t * Math.PI) * (3 + (random.NextDouble() * 5)));
            await page.Mouse.MoveAsync(x + (float)((toX - x) * ease) + wobble, y + (float)((toY - y) * ease) - wobble);
            await Task.Delay(12 + random.Next(0, 28));
        }

        TimeSpan soonest = TimeSpan.FromMilliseconds(300 + random.Next(0, 60));
        if (shown.Elapsed < soonest)
        {
            await Task.Delay(soonest - shown.Elapsed);
        }

        await page.Mouse.DownAsync();
        await Task.Delay(80 + random.Next(0, 41));
        await page.Mouse.UpAsync();
    }

    /// <summary>The <c>mode</c> the token's payload names (<c>invisible</c>, <c>checkbox</c>, ...).</summary>
    private static string TokenMode(string token)
    {
        try
        {
            using var envelope = JsonDocument.Parse(Convert.FromBase64String(token));
            using var payload = JsonDocument.Parse(envelope.RootElement.GetProperty("payload").GetString()!);
            return payload.RootElement.TryGetProperty("mode", out JsonElement mode) ? mode.GetString() ?? "?" : "?";
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException)
        {
            return "unreadable token";
        }
    }

    private static void Report(List<Pass> all, double pace, TimeSpan wall, Ticks used, string loadBefore, string loadAfter)
    {
        int tokens = all.Count(p => p.Outcome is Invisible or Checkbox);
        double minutes = wall.TotalMinutes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bot-cost: {all.Count} passes of /Comments from 127.0.0.1, default risk settings, fresh context each, {(pace > 0 ? $"one every {pace} s" : "as fast as it can")}, {wall.TotalSeconds:F1} s wall"));
        foreach (IGrouping<string, Pass> outcome in all.GroupBy(p => p.Outcome).OrderByDescending(g => g.Count()))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {outcome.Key}: {outcome.Count()}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  tokens: {tokens}, {tokens / minutes:F1} per minute"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  CPU over the run: chromium {used.Chromium:F1} s, the Playwright driver and this harness {used.Driver:F1} s, the sample (server) {used.Server:F1} s"));
        if (tokens > 0)
        {
            double onTokens = all.Where(p => p.Outcome is Invisible or Checkbox).Sum(p => p.ChromiumSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  chromium CPU on the passes that gave a token (measured per pass): {onTokens:F1} s, {onTokens / tokens:F2} s per token = {onTokens / tokens * 1000:F0} CPU-s ({onTokens / tokens * 1000 / 3600:F2} CPU-hours) per 1,000 tokens; on the passes that gave none: {all.Where(p => p.Outcome is not (Invisible or Checkbox)).Sum(p => p.ChromiumSeconds):F1} s"));
            foreach (string outcome in new[] { Invisible, Checkbox })
            {
                List<Pass> these = all.Where(p => p.Outcome == outcome).ToList();
                if (these.Count > 0)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {outcome}: {these.Average(p => p.ChromiumSeconds):F2} chromium CPU-s per pass (mean of {these.Count})"));
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  chromium CPU over the whole run per token {used.Chromium / tokens:F2} s = {used.Chromium / tokens * 1000 / 3600:F2} CPU-hours per 1,000 tokens; with the driver {(used.Chromium + used.Driver) / tokens:F2} s; server CPU per token {used.Server / tokens * 1000:F0} ms"));
        }

        Console.WriteLine("  the run in stretches (the rung, and the proof-of-work search space asked: its maxnumbers summed over the parts, first to last):");
        int start = 0;
        for (int i = 1; i <= all.Count; i++)
        {
            if (i == all.Count || Rung(all[i]) != Rung(all[start]))
            {
                List<Pass> stretch = all.GetRange(start, i - start);
                List<double> times = stretch.Where(p => p.TokenMs > 0).Select(p => p.TokenMs).Order().ToList();
                List<string> spaces = stretch.Select(p => p.Pow.Split(" = ")[^1]).Where(p => p != "-").Distinct().ToList();
                List<long> surcharges = stretch.Select(p => p.Surcharge).Where(x => x > 0).Distinct().ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"    passes {start + 1}-{i} ({stretch[0].StartedAt:F0}-{stretch[^1].StartedAt + (stretch[^1].Milliseconds / 1000):F0} s): {Rung(stretch[0])}, pow {(spaces.Count == 0 ? "-" : spaces.Count == 1 ? spaces[0] : spaces[0] + " .. " + spaces[^1])}")
                    + (surcharges.Count > 0 ? $", surcharge offered {string.Join('/', surcharges)}" : string.Empty)
                    + (times.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", token at {times[times.Count / 2]:F0} ms (median)") : string.Empty)
                    + $", {string.Join("; ", stretch.Select(p => p.Note).Where(x => x.Length > 0).Distinct().Take(3))}");
                start = i;
            }
        }

        Console.WriteLine($"  load average before: {loadBefore}; after: {loadAfter}");
    }

    /// <summary>
    /// CPU seconds (user + system) from <c>/proc</c>: chromium's processes (the descendants of this process whose command
    /// line names chromium, each with the children it has reaped, so renderers of closed contexts count), the Playwright
    /// driver and this harness, and the sample (the <c>dotnet run</c> process and its descendants).
    /// </summary>
    private sealed record Ticks(double Chromium, double Driver, double Server)
    {
        private static readonly double PerSecond = 100; // USER_HZ on Linux

        public Ticks Minus(Ticks other) => new(Chromium - other.Chromium, Driver - other.Driver, Server - other.Server);

        public static Ticks Now(int sample)
        {
            var processes = new Dictionary<int, (int Parent, double Own, double Reaped, string Command)>();
            foreach (string dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out int pid))
                {
                    continue;
                }

                try
                {
                    string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // f[0] is field 3 (state)
                    double Field(int number) => double.Parse(f[number - 3], CultureInfo.InvariantCulture);
                    string command = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                    processes[pid] = ((int)Field(4), Field(14) + Field(15), Field(16) + Field(17), command);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            bool Under(int pid, int ancestor)
            {
                for (int p = pid, hops = 0; p > 1 && hops < 64; p = processes.TryGetValue(p, out var q) ? q.Parent : 0, hops++)
                {
                    if (p == ancestor)
                    {
                        return true;
                    }
                }

                return false;
            }

            int self = Environment.ProcessId;
            double chromium = 0, driver = 0, server = 0;
            foreach ((int pid, var p) in processes)
            {
                if (Under(pid, sample))
                {
                    server += p.Own + p.Reaped;
                }
                else if (Under(pid, self))
                {
                    if (p.Command.Contains("chromium", StringComparison.Ordinal))
                    {
                        chromium += p.Own + p.Reaped;
                    }
                    else
                    {
                        driver += p.Own + (pid == self ? 0 : p.Reaped); // the harness's own reaped children are the sample's build
                    }
                }
            }

            return new Ticks(chromium / PerSecond, driver / PerSecond, server / PerSecond);
        }
    }
}
