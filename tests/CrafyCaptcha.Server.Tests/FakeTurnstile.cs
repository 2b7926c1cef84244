using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// A stand-in for Cloudflare Turnstile on Kestrel 127.0.0.1 (nothing reaches Cloudflare). <c>siteverify</c> answers as
/// Cloudflare documents for its test secret keys (<see cref="PassSecret"/> always passes, for the host
/// <c>example.com</c>; <see cref="FailSecret"/> always fails with <c>invalid-input-response</c>; <see cref="SpentSecret"/>
/// says <c>timeout-or-duplicate</c>), and for <see cref="StrictSecret"/> as it does for a real key: only tokens it minted
/// (<see cref="Mint"/>), each once, for the host they were minted for (a repeated call with the same
/// <c>idempotency_key</c> gets the first answer again). <see cref="SilentSiteVerifyUrl"/> never answers. <c>api.js</c>
/// defines a <c>window.turnstile</c> whose <c>render</c>/<c>reset</c> call back with the dummy token, as Cloudflare's test
/// site keys do.
/// </summary>
public sealed class FakeTurnstile : IAsyncDisposable
{
    public const string PassSecret = "1x0000000000000000000000000000000AA";
    public const string FailSecret = "2x0000000000000000000000000000000AA";
    public const string SpentSecret = "3x0000000000000000000000000000000AA";
    public const string StrictSecret = "0x4AAAAAAAfake-strict-secret-key";
    public const string SiteKey = "1x00000000000000000000AA";
    public const string DummyToken = "XXXX.DUMMY.TOKEN.XXXX";

    private const string ApiJs = """
        (function () {
          var widgets = {}, next = 0;
          function solve(id) { var w = widgets[id]; if (w) { w.rendered++; setTimeout(function () { window.fakeTurnstileTokens = (window.fakeTurnstileTokens || 0) + 1; w.options.callback("XXXX.DUMMY.TOKEN.XXXX"); }, 30); } }
          window.turnstile = {
            render: function (el, options) { var id = "fake-" + (++next); widgets[id] = { el: el, options: options, rendered: 0 }; window.fakeTurnstileRendered = { sitekey: options.sitekey, appearance: options.appearance, inDocument: document.contains(el) }; solve(id); return id; },
            reset: function (id) { window.fakeTurnstileResets = (window.fakeTurnstileResets || 0) + 1; solve(id); },
            remove: function (id) { delete widgets[id]; }
          };
        })();
        """;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _minted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _answered = new(StringComparer.Ordinal);

    private FakeTurnstile(WebApplication app) => _app = app;

    /// <summary>Every siteverify call's form fields, in order.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Calls { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public Uri SiteVerifyUrl => new(BaseAddress, "/turnstile/v0/siteverify");

    public Uri SilentSiteVerifyUrl => new(BaseAddress, "/silent/siteverify");

    public Uri ScriptUrl => new(BaseAddress, "/turnstile/v0/api.js");

    public static async Task<FakeTurnstile> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        var fake = new FakeTurnstile(app);
        app.MapPost("/turnstile/v0/siteverify", (Func<HttpContext, Task<IResult>>)fake.SiteVerifyAsync);
        app.MapPost("/silent/siteverify", async (HttpContext http) =>
        {
            await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return Results.StatusCode(504);
        });
        app.MapGet("/turnstile/v0/api.js", () => Results.Text(ApiJs, "text/javascript"));
        await app.StartAsync();
        fake.BaseAddress = new Uri(app.Urls.First());
        return fake;
    }

    /// <summary>A token <see cref="StrictSecret"/> accepts once, as if Turnstile had been solved on <paramref name="hostname"/>.</summary>
    public string Mint(string hostname = "localhost")
    {
        string token = "0.fake-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _minted[token] = hostname;
        return token;
    }

    private async Task<IResult> SiteVerifyAsync(HttpContext http)
    {
        IFormCollection form = await http.Request.ReadFormAsync(http.RequestAborted);
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        Calls.Enqueue(fields);
        string secret = fields.GetValueOrDefault("secret") ?? string.Empty;
        string response = fields.GetValueOrDefault("response") ?? string.Empty;
        if (response.Length == 0)
        {
            return Failure("missing-input-response");
        }

        switch (secret)
        {
            case PassSecret:
                return Success("example.com");
            case FailSecret:
                return Failure("invalid-input-response");
            case SpentSecret:
                return Failure("timeout-or-duplicate");
            case StrictSecret:
                string key = fields.GetValueOrDefault("idempotency_key") ?? string.Empty;
                if (key.Length > 0 && _answered.TryGetValue(key + "|" + response, out string? host))
                {
                    return Success(host); // Cloudflare: a retried call with the same idempotency key gets the same answer
                }

                if (_minted.TryRemove(response, out string? hostname))
                {
                    _answered[key + "|" + response] = hostname;
                    return Success(hostname);
                }

                return Failure(_answered.Keys.Any(k => k.EndsWith("|" + response, StringComparison.Ordinal)) ? "timeout-or-duplicate" : "invalid-input-response");
            default:
                return Failure("invalid-input-secret");
        }
    }

    private static IResult Success(string hostname)
        => Results.Text(new JsonObject
        {
            ["success"] = true,
            ["error-codes"] = new JsonArray(),
            ["challenge_ts"] = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["hostname"] = hostname,
            ["action"] = string.Empty,
            ["cdata"] = string.Empty,
        }.ToJsonString(), "application/json");

    private static IResult Failure(string code)
        => Results.Text(new JsonObject { ["success"] = false, ["error-codes"] = new JsonArray(code), ["messages"] = new JsonArray() }.ToJsonString(), "application/json");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
