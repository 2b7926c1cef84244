using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.Testing;

/// <summary>
/// The sample with its embedded engine, and a client that plays the widget's part over HTTP.
/// This client runs no JavaScript, so it cannot run a flow's instrumentation program (that is the program's point: a
/// script without a browser gets no token). Tests of other features (the ladder, replay, state, limits…) therefore
/// start the engine with <c>CrafyChallengeServer:Instrumentation:Enabled=false</c> unless they pass
/// <c>instrumentation: true</c>; the instrumentation tests and every browser test keep it on, as the sample does.
/// </summary>
public sealed class EngineApp : IDisposable
{
    private readonly string _state;
    private readonly bool _ownsState;

    public EngineApp(TimeProvider? timeProvider = null, string? sharedStateDirectory = null, Action<IServiceCollection>? services = null, IDictionary<string, string?>? settings = null, bool instrumentation = false, bool kestrel = false, IPAddress? listenOn = null, CookieContainer? cookies = null)
    {
        _ownsState = sharedStateDirectory is null;
        _state = sharedStateDirectory ?? Path.Combine(Path.GetTempPath(), "crafy-engine-" + Guid.NewGuid().ToString("N"));
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CrafyChallengeServer:DevelopmentCredentialPath"] = Path.Combine(_state, "dev-credential.json"),
                ["Logging:LogLevel:Default"] = "Warning",
                ["CrafyChallengeServer:Instrumentation:Enabled"] = instrumentation ? "true" : "false",
            }));
            if (settings is not null)
            {
                b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(settings));
                foreach ((string key, string? value) in settings)
                {
                    b.UseSetting(key, value); // also seen by Program.cs while it builds (before the host is built)
                }
            }

            // Keys in the shared state folder, so instances sharing it read each other's development credential
            // whatever the machine's home folder is.
            b.ConfigureServices(s => s.AddDataProtection()
                .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(_state, "keys")))
                .SetApplicationName("crafy-tests"));
            if (timeProvider is not null)
            {
                b.ConfigureServices(s => s.AddSingleton(timeProvider));
            }

            if (services is not null)
            {
                b.ConfigureServices(services);
            }
        });
        if (kestrel || listenOn is not null)
        {
            // A real server on 127.0.0.1, or listenOn (for clients with their own HTTP stack: the SDK's API client, a
            // client bound to a source address of its own).
            Factory.UseKestrel(o => o.Listen(listenOn ?? IPAddress.Loopback, 0));
            Factory.StartServer();
        }

        // One browser's cookies across several instances (behind a load balancer) when the test shares a container.
        Client = cookies is null
            ? Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = Factory.ClientOptions.BaseAddress })
            : Factory.CreateDefaultClient(Factory.ClientOptions.BaseAddress, new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler(cookies));
    }

    /// <summary>The server's address (with <c>kestrel: true</c>, a real one on 127.0.0.1).</summary>
    public Uri BaseAddress => Factory.ClientOptions.BaseAddress;

    public WebApplicationFactory<Program> Factory { get; }

    public HttpClient Client { get; }

    public const string ParentOrigin = "http://localhost";

    public Task<PageInit> OpenPageAsync(string path) => OpenPageAsync(Client, path);

    /// <summary>Opens a page of the sample with any client (its own cookies) and reads the widget's keys and the antiforgery token.</summary>
    public static async Task<PageInit> OpenPageAsync(HttpClient client, string path)
    {
        string html = await client.GetStringAsync(path);
        Match init = Regex.Match(html, "c\\.init\\(e,\"(?<pk>[^\"]+)\",\"(?<pt>[^\"]+)\",\"(?<spk>[^\"]+)\"");
        Match antiforgery = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        Assert.True(init.Success && antiforgery.Success, "the page has no widget or no antiforgery field");
        return new PageInit(init.Groups["pk"].Value, init.Groups["pt"].Value, Regex.Unescape(init.Groups["spk"].Value), antiforgery.Groups[1].Value);
    }

    public Task<string> GetEoAsync(PageInit page, string policy) => GetEoAsync(Client, page, policy);

    /// <summary>Asks the sample's options endpoint for a flow of <paramref name="policy"/>, as the widget does.</summary>
    public static async Task<string> GetEoAsync(HttpClient client, PageInit page, string policy)
    {
        HttpResponseMessage response = await client.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy, __RequestVerificationToken = page.Antiforgery });
        response.EnsureSuccessStatusCode();
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["eo"]!;
    }

    public async Task<HttpResponseMessage> LoadChallengeAsync(string publicToken, string eo, string parentOrigin = ParentOrigin, string? originHeader = ParentOrigin, bool webdriver = false, IEnumerable<(string Name, string Value)>? extraHeaders = null)
    {
        var cdweo = new JsonObject { ["eo"] = eo, ["telemetry"] = new JsonObject { ["webdriver"] = webdriver, ["elapsed_ms"] = 900 } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/crafy/challenge/")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["pt"] = publicToken,
                ["cdweo"] = cdweo.ToJsonString(),
                ["theme"] = "light",
                ["bg"] = "#ffffff",
                ["text"] = "#111111",
                ["primary"] = "#2563eb",
                ["border"] = "#cccccc",
                ["parent_origin"] = parentOrigin,
            }),
        };
        if (originHeader is not null)
        {
            request.Headers.Add("Origin", originHeader);
        }

        request.Headers.Add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) test");
        request.Headers.Add("Accept-Language", "en-US");
        foreach ((string name, string value) in extraHeaders ?? [])
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Client.SendAsync(request);
    }

    public static ChallengePage ReadChallenge(string html)
    {
        string Attr(string name) => WebUtility.HtmlDecode(Regex.Match(html, $"{name}=\"([^\"]*)\"").Groups[1].Value);
        JsonObject pow = JsonNode.Parse(Attr("data-pow"))!.AsObject();
        string surcharge = Attr("data-pow-surcharge");
        return new ChallengePage(Attr("data-flow-token"), pow, Attr("data-checkbox") == "true", Attr("data-handshake-payload"), Attr("data-handshake-signature"), Regex.Match(html, "<script nonce=\"[^\"]+\" id=\"crafy-program\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value, html.Contains(" data-puzzle=\"", StringComparison.Ordinal),
            surcharge.Length > 0 ? JsonNode.Parse(surcharge)!.AsObject() : null);
    }

    public static long Solve(JsonObject pow)
    {
        string salt = (string)pow["salt"]!, challenge = (string)pow["challenge"]!;
        for (long n = 0; n <= (int)pow["maxnumber"]!; n++)
        {
            if (Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(salt + n))) == challenge)
            {
                return n;
            }
        }

        throw new InvalidOperationException("no solution");
    }

    /// <summary>
    /// The other parts of a split proof-of-work (the challenge page's <c>pow.parts</c>), each solved, as the answer's
    /// <c>pow_parts</c>; <see langword="null"/> for a single challenge.
    /// </summary>
    /// <summary>
    /// The widget's first step against an engine on a server of its own (any client): posts the challenge page as the
    /// widget's hidden form does, from <paramref name="parentOrigin"/>, and reads it; fails with the page on an error.
    /// </summary>
    public static async Task<ChallengePage> LoadChallengeAsync(HttpClient engine, string publicToken, string eo, string parentOrigin)
    {
        var cdweo = new JsonObject { ["eo"] = eo, ["telemetry"] = new JsonObject { ["webdriver"] = false, ["elapsed_ms"] = 900 } };
        using var load = new HttpRequestMessage(HttpMethod.Post, "/crafy/challenge/")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["pt"] = publicToken, ["cdweo"] = cdweo.ToJsonString(), ["parent_origin"] = parentOrigin }),
        };
        load.Headers.Add("Origin", parentOrigin);
        load.Headers.Add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) test");
        load.Headers.Add("Accept-Language", "en-US");
        using HttpResponseMessage response = await engine.SendAsync(load);
        string html = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"challenge page: HTTP {(int)response.StatusCode} {html}");
        return ReadChallenge(html);
    }

    /// <summary>
    /// The widget's second step against an engine on a server of its own: after a browser's moment, the proof-of-work
    /// (and a pointer trail when the flow asks for the checkbox). Returns the status and the completion (or the error).
    /// </summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body)> AnswerAsync(HttpClient engine, ChallengePage challenge)
    {
        await Task.Delay(60); // a browser takes a moment to run the page; the engine refuses sooner answers
        var body = new JsonObject
        {
            ["flow_token"] = challenge.FlowToken,
            ["pow"] = new JsonObject { ["algorithm"] = (string)challenge.Pow["algorithm"]!, ["challenge"] = (string)challenge.Pow["challenge"]!, ["number"] = Solve(challenge.Pow), ["salt"] = (string)challenge.Pow["salt"]!, ["signature"] = (string)challenge.Pow["signature"]! },
            ["pow_parts"] = SolveParts(challenge.Pow),
        };
        if (challenge.NeedsCheckbox)
        {
            body["interaction"] = PointerTrail();
            await Task.Delay(TrailLength(body["interaction"]!.AsObject()));
        }

        using HttpResponseMessage answer = await engine.PostAsJsonAsync("/crafy/challenge/verify", body);
        return (answer.StatusCode, (await answer.Content.ReadFromJsonAsync<JsonObject>()) ?? []);
    }

    public static JsonArray? SolveParts(JsonObject pow)
        => pow["parts"] is JsonArray parts
            ? [.. parts.Select(p => (JsonNode)new JsonObject { ["algorithm"] = (string)p!["algorithm"]!, ["challenge"] = (string)p["challenge"]!, ["number"] = Solve(p.AsObject()), ["salt"] = (string)p["salt"]!, ["signature"] = (string)p["signature"]! })]
            : null;

    /// <summary>
    /// Answers a challenge as the iframe does: the proof-of-work, and for an interactive step <paramref name="interaction"/>
    /// (for example <see cref="PointerTrail"/>). Waits a little first, as a browser needs time to run the page (the engine
    /// refuses answers that come sooner). <paramref name="bareCheckbox"/> sends the old <c>"checkbox": true</c> flag alone.
    /// </summary>
    public async Task<HttpResponseMessage> AnswerAsync(string flowToken, JsonObject pow, long number, JsonObject? interaction = null, bool bareCheckbox = false, bool wait = true, JsonNode? program = null, string? turnstile = null, JsonObject? surcharge = null)
    {
        if (wait)
        {
            // A browser's moment to run the page; with a trail, the trail's own length: the engine refuses a trail
            // longer than its clock (from serving the page to this answer) allows, so a script waits it out too.
            await Task.Delay(interaction is null ? 60 : TrailLength(interaction) + 20);
        }

        var body = new JsonObject
        {
            ["flow_token"] = flowToken,
            ["pow"] = new JsonObject { ["algorithm"] = (string)pow["algorithm"]!, ["challenge"] = (string)pow["challenge"]!, ["number"] = number, ["salt"] = (string)pow["salt"]!, ["signature"] = (string)pow["signature"]! },
            ["pow_parts"] = SolveParts(pow),
        };
        if (bareCheckbox)
        {
            body["checkbox"] = true;
        }

        if (interaction is not null)
        {
            body["interaction"] = interaction;
        }

        if (program is not null)
        {
            body["program"] = program;
        }

        if (turnstile is not null)
        {
            body["turnstile"] = turnstile;
        }

        if (surcharge is not null)
        {
            // The checkbox rung's extra proof-of-work, which a keyboard or touch pass pays.
            body["pow_surcharge"] = new JsonObject { ["algorithm"] = (string)surcharge["algorithm"]!, ["challenge"] = (string)surcharge["challenge"]!, ["number"] = Solve(surcharge), ["salt"] = (string)surcharge["salt"]!, ["signature"] = (string)surcharge["signature"]! };
        }

        return await Client.PostAsJsonAsync("/crafy/challenge/verify", body);
    }

    /// <summary>A hand's trail to the box and a click: an uneven curve at uneven intervals, a press of some 90 ms.</summary>
    public static JsonObject PointerTrail(int seed = 1)
    {
        var random = new Random(seed);
        var events = new JsonArray();
        double t = 400 + random.Next(0, 300), x = 10 + random.Next(0, 40), y = 40 + random.Next(0, 20);
        for (int i = 0; i < 12; i++)
        {
            t += 8 + random.NextDouble() * 25;
            x += 6 + random.NextDouble() * 6;
            y -= 1 + (random.NextDouble() * 3 * Math.Sin(i / 2.0));
            events.Add(new JsonArray(0, Math.Round(t, 1), Math.Round(x, 1), Math.Round(y, 1)));
        }

        t += 120;
        events.Add(new JsonArray(1, Math.Round(t, 1), Math.Round(x, 1), Math.Round(y, 1)));
        events.Add(new JsonArray(2, Math.Round(t + 85 + random.Next(0, 40), 1), Math.Round(x, 1), Math.Round(y, 1)));
        return new JsonObject { ["kind"] = "pointer", ["events"] = events };
    }

    /// <summary>A keyboard activation: the box gets the focus, then Space is pressed for about 100 ms, a second after the step was shown.</summary>
    public static JsonObject KeyboardTrail()
        => new() { ["kind"] = "keyboard", ["events"] = new JsonArray(new JsonArray(5, 640.2, 0, 0), new JsonArray(3, 1100.4, 0, 0), new JsonArray(4, 1203.9, 0, 0)) };

    /// <summary>How long a trail claims to have taken (its last event's time), in whole milliseconds.</summary>
    public static int TrailLength(JsonObject interaction)
        => interaction["events"] is JsonArray { Count: > 0 } events && events[^1] is JsonArray { Count: > 1 } last
            && double.TryParse(last[1]?.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double ms)
            ? (int)Math.Ceiling(Math.Clamp(ms, 0, 10_000))
            : 0;

    /// <summary>What the widget builds from CHALLENGE_COMPLETE.</summary>
    public static string TokenFrom(JsonObject complete)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["payload"] = (string)complete["payload"]!, ["server_sign"] = (string)complete["server_sign"]! }.ToJsonString()));

    public void Dispose()
    {
        Client.Dispose();
        Factory.Dispose();
        if (_ownsState && Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }
}

public sealed record PageInit(string PublicKey, string PublicToken, string SigningPublicKey, string Antiforgery);

/// <summary>A challenge page as a client reads it; <see cref="Program"/> is the flow's inline instrumentation program ("" when none).</summary>
public sealed record ChallengePage(string FlowToken, JsonObject Pow, bool NeedsCheckbox, string HandshakePayload, string HandshakeSignature, string Program = "", bool NeedsPuzzle = false, JsonObject? Surcharge = null)
{
    /// <summary>The flow asks a person for something (the checkbox or a puzzle): not the invisible step.</summary>
    public bool Interactive => NeedsCheckbox || NeedsPuzzle;
}
