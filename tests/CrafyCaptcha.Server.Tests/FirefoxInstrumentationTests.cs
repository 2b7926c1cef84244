using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using CrafyCaptcha.Server.Instrumentation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// Issue 22, item 1, in another engine: Debian's <c>firefox-esr</c> (Gecko lays out in 1/60 px where Chromium uses
/// 1/64 px) runs 200 generated programs and gives what the engine expects, canvas included, at three zooms. Firefox is not driven by
/// Playwright here (its Firefox is a patched build): a headless <c>firefox-esr</c> opens a page of a Kestrel server on
/// 127.0.0.1 that fetches each program, runs it as the challenge page does and posts the result back.
/// </summary>
public sealed class FirefoxInstrumentationTests
{
    private const int Programs = 200;

    /// <summary>
    /// At Firefox's own device pixel ratio, at 90 % and 150 % (<c>layout.css.devPixelsPerPx</c>, what zoom and
    /// high-density screens do), and with the system's text scale at 150 % (<c>ui.textScaleFactor</c>) followed as a
    /// text-only zoom (<c>browser.display.os-zoom-behavior</c> 2; Firefox's default, 1, zooms the whole page, the same
    /// as the ratio above): there the reads a font size enters are left aside and the rest still match.
    /// </summary>
    [Theory]
    [InlineData("-1.0", 100)]
    [InlineData("0.9", 100)]
    [InlineData("1.5", 100)]
    [InlineData("-1.0", 150)]
    public async Task Generated_programs_give_in_firefox_what_the_engine_expects(string devicePixelsPerCssPixel, int textScalePercent)
    {
        string firefox = new[] { "/usr/bin/firefox-esr", "/usr/bin/firefox" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("firefox-esr is not installed: `sudo apt-get install -y firefox-esr` (test.sh installs it as root)");
        GeneratedProgram[] programs = [.. Enumerable.Range(0, Programs).Select(_ => ProgramGenerator.Generate())];
        var results = new ConcurrentDictionary<int, string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? ratio = null;

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using WebApplication app = builder.Build();
        app.MapGet("/", () => Results.Content(RunnerPage, "text/html; charset=utf-8"));
        app.MapGet("/program/{i:int}", (int i) => Results.Text(programs[i].Script, "text/javascript; charset=utf-8"));
        app.MapPost("/ratio", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            ratio = await reader.ReadToEndAsync();
            return Results.NoContent();
        });
        app.MapPost("/result/{i:int}", async (int i, HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            results[i] = await reader.ReadToEndAsync();
            if (results.Count == Programs)
            {
                done.TrySetResult();
            }

            return Results.NoContent();
        });
        await app.StartAsync();
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        string profile = Directory.CreateTempSubdirectory("crafy-firefox-").FullName;
        await File.WriteAllTextAsync(Path.Combine(profile, "user.js"),
            $"user_pref(\"layout.css.devPixelsPerPx\", \"{devicePixelsPerCssPixel}\");\nuser_pref(\"ui.textScaleFactor\", {textScalePercent});\nuser_pref(\"browser.display.os-zoom-behavior\", 2);\n");
        using Process browser = Process.Start(new ProcessStartInfo(firefox, ["--headless", "--no-remote", "--profile", profile, url + "/"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            await done.Task.WaitAsync(TimeSpan.FromSeconds(120));
        }
        finally
        {
            browser.Kill(entireProcessTree: true);
            await browser.WaitForExitAsync();
            Directory.Delete(profile, recursive: true);
        }

        // The zoom took: the page saw the device pixel ratio the profile set (Gecko rounds it to 60 / whole app units: 0.9 is 60/67).
        Assert.InRange(double.Parse(ratio!, System.Globalization.CultureInfo.InvariantCulture) - (devicePixelsPerCssPixel == "-1.0" ? 1.0 : double.Parse(devicePixelsPerCssPixel, System.Globalization.CultureInfo.InvariantCulture)), -0.01, 0.01);
        var markers = new List<string>();
        for (int i = 0; i < Programs; i++)
        {
            using JsonDocument result = JsonDocument.Parse(results[i]);
            Assert.True(ProgramCheck.Matches(programs[i].Expected, result.RootElement, markers),
                $"at {devicePixelsPerCssPixel}: program {i} answered {results[i]}, expected v=[{string.Join(',', programs[i].Expected.Values)}] l=[{string.Join(',', programs[i].Expected.Layout)}] c={programs[i].Expected.Canvas}");
        }

        // Headless Firefox has no plugins to show and its window is its screen: only those facts may appear, never a canvas reason.
        Assert.DoesNotContain(Risk.RiskReasons.CanvasUnexpected, markers);
        Assert.DoesNotContain(Risk.RiskReasons.CanvasMissing, markers);
        Assert.Equal(textScalePercent == 100 ? 0 : Programs, markers.Count(m => m == Risk.RiskReasons.TextScaled));
    }

    private static readonly string RunnerPage = $$"""
        <!DOCTYPE html><html><head><meta charset="utf-8"></head><body><p>runner</p><script>
        (async () => {
          await fetch('/ratio', { method: 'POST', body: String(window.devicePixelRatio) });
          for (let i = 0; i < {{Programs}}; i++) {
            const code = await (await fetch('/program/' + i)).text();
            const result = await new Promise(resolve => {
              document.addEventListener('crafy-program', e => resolve(e.detail), { once: true });
              const s = document.createElement('script');
              s.textContent = code;
              document.body.appendChild(s);
            });
            await fetch('/result/' + i, { method: 'POST', body: JSON.stringify(result) });
          }
        })();
        </script></body></html>
        """;
}
