using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// In Development the engine's pages say why a flow got its rung or was refused (<c>data-dev-hint</c>, logged by their
/// scripts in the browser console) and the widget is told to log its error states; in Production none of it is sent.
/// Over plain HTTP, as the widget loads the challenge, with the velocity defaults lowered so the first loads escalate.
/// </summary>
public sealed class DevelopmentHintTests
{
    private static readonly Dictionary<string, string?> Strict = new()
    {
        ["CrafyChallengeServer:Risk:IpFreeLoads"] = "1",
        ["CrafyChallengeServer:Risk:IpLoadsToFullWeight"] = "1",
        ["CrafyChallengeServer:Risk:IpLoadsRefused"] = "3",
        ["CrafyChallengeServer:Instrumentation:Enabled"] = "false",
    };

    [Fact]
    public async Task In_development_the_challenge_names_the_reason_of_its_rung_and_of_a_refusal()
    {
        await using Site site = await Site.StartAsync(Environments.Development);

        string first = await site.LoadChallengeAsync();
        Assert.StartsWith("invisible (risk 0.05 < CrafyChallengeServer:Risk:CheckboxThreshold 0.5); no risk reasons", Hint(first), StringComparison.Ordinal);

        string second = await site.LoadChallengeAsync();
        Assert.Equal("escalated to checkbox (risk 0.65; CrafyChallengeServer:Risk:CheckboxThreshold 0.5, SliderThreshold 0.7, ConnectThreshold 0.85): 2 loads from 127.0.0.1 in 10 minutes (free: 1, see CrafyChallengeServer:Risk:IpFreeLoads)", Hint(second));
        Assert.Contains("id=\"check\"", second, StringComparison.Ordinal); // the checkbox it names

        await site.LoadChallengeAsync();
        string refused = await site.LoadChallengeAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("refused (429): 4 loads from 127.0.0.1 in 10 minutes (over CrafyChallengeServer:Risk:IpLoadsRefused = 3)", Hint(refused));
        Assert.Contains("refusal.js", refused, StringComparison.Ordinal);

        Assert.True(site.Settings["options"]!["devHints"]!.GetValue<bool>());
    }

    [Fact]
    public async Task In_production_nothing_of_it_is_sent()
    {
        await using Site site = await Site.StartAsync(Environments.Production);

        string first = await site.LoadChallengeAsync();
        string second = await site.LoadChallengeAsync();
        await site.LoadChallengeAsync();
        string refused = await site.LoadChallengeAsync(HttpStatusCode.TooManyRequests);

        Assert.Contains("id=\"check\"", second, StringComparison.Ordinal); // escalated all the same: the defaults are the ladder's
        foreach (string page in new[] { first, second, refused })
        {
            Assert.DoesNotContain("data-dev-hint", page, StringComparison.Ordinal);
            Assert.DoesNotContain("IpFreeLoads", page, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1 in", page, StringComparison.Ordinal);
        }

        Assert.Null(site.Settings["options"]!["devHints"]);
    }

    private static string Hint(string html)
    {
        Match hint = Regex.Match(html, "data-dev-hint=\"([^\"]*)\"");
        Assert.True(hint.Success, "no data-dev-hint in the page:\n" + html);
        return WebUtility.HtmlDecode(hint.Groups[1].Value);
    }

    /// <summary>The minimal API of <see cref="WidgetSettingsBrowserTests.SpaSite"/> with strict velocity settings, and a browser-like client.</summary>
    private sealed class Site : IAsyncDisposable
    {
        private readonly string _root;
        private readonly WebApplication _app;
        private readonly HttpClient _client;

        private Site(string root, WebApplication app, HttpClient client, JsonNode settings)
        {
            _root = root;
            _app = app;
            _client = client;
            Settings = settings;
        }

        /// <summary>What the settings endpoint gave this browser.</summary>
        public JsonNode Settings { get; }

        public static async Task<Site> StartAsync(string environment)
        {
            string root = Path.Combine(Path.GetTempPath(), "crafy-hints-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path.Combine(root, "wwwroot"));
            WebApplication app = WidgetSettingsBrowserTests.SpaSite.Build(root, environment, Strict);
            await app.StartAsync();
            var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() })
            {
                BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()),
            };
            JsonNode settings = JsonNode.Parse(await client.GetStringAsync("/crafy-settings?policy=comments"))!;
            return new Site(root, app, client, settings);
        }

        /// <summary>Loads the challenge as the widget's hidden form does (a fresh eo each time) and returns the page.</summary>
        public async Task<string> LoadChallengeAsync(HttpStatusCode expected = HttpStatusCode.OK)
        {
            JsonNode fresh = JsonNode.Parse(await _client.GetStringAsync("/crafy-settings?policy=comments"))!;
            var cdweo = new JsonObject
            {
                ["eo"] = (string?)fresh["options"]!["encryptedOptions"],
                ["telemetry"] = new JsonObject { ["webdriver"] = false, ["languages"] = new JsonArray("en-US"), ["screen"] = new JsonArray(1280, 800) },
            };
            string origin = _client.BaseAddress!.GetLeftPart(UriPartial.Authority);
            using var request = new HttpRequestMessage(HttpMethod.Post, (string?)fresh["options"]!["iframeUrl"])
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["pt"] = (string)fresh["publicToken"]!,
                    ["cdweo"] = cdweo.ToJsonString(),
                    ["parent_origin"] = origin,
                    ["theme"] = "light",
                }),
            };
            request.Headers.Add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36");
            request.Headers.Add("Accept-Language", "en-US,en;q=0.9");
            request.Headers.Add("Sec-Fetch-Dest", "iframe");
            request.Headers.Add("Sec-Fetch-Mode", "navigate");
            request.Headers.Add("Origin", origin);
            using HttpResponseMessage response = await _client.SendAsync(request);
            string html = await response.Content.ReadAsStringAsync();
            Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {html}");
            return html;
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _app.DisposeAsync();
            Directory.Delete(_root, recursive: true);
        }
    }
}
