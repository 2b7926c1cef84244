using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// A site and a separate engine, as a team running its own engine deploys them: the engine on its own Kestrel server
/// serving the site's credential; the site's SDK takes the public token from the engine's REST API and its widget
/// loads the challenge from the engine.
/// </summary>
public sealed class StandaloneEngineTests : IAsyncLifetime
{
    private const string PublicKey = "pk_8868cdb2a4575e8755324cb77bf5be3a";
    private const string SecretKey = "sk_5526a47fc8b0eae583e42f4219e53e5fa96ed80cc4c1b7246e548e402b7a81b9";
    private const string SigningPrivateKey = "OQp3I5+4wF5YwDH6wuEvDNe94RQ0hobaEM2Ojk9+IJM=";
    private const string PublicToken = "pt_engine_site_1";
    private readonly string _state = Path.Combine(Path.GetTempPath(), "crafy-standalone-" + Guid.NewGuid().ToString("N"));
    private WebApplicationFactory<Program> _engine = null!;
    private WebApplicationFactory<Program> _site = null!;
    private Uri _engineUrl = null!;

    public Task InitializeAsync()
    {
        _engine = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CrafyChallengeServer:DevelopmentCredentialPath"] = Path.Combine(_state, "engine.json"),
                ["CrafyChallengeServer:Credentials:0:PublicKey"] = PublicKey,
                ["CrafyChallengeServer:Credentials:0:SecretKey"] = SecretKey,
                ["CrafyChallengeServer:Credentials:0:SigningPrivateKey"] = SigningPrivateKey,
                ["CrafyChallengeServer:Credentials:0:PublicToken"] = PublicToken,
                ["CrafyChallengeServer:Instrumentation:Enabled"] = "false", // answered over HTTP without JavaScript (see EngineApp)
                ["Logging:LogLevel:Default"] = "Warning",
            }));
        });
        _engine.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _engine.StartServer();
        _engineUrl = _engine.ClientOptions.BaseAddress;

        _site = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CrafyChallengeServer:DevelopmentCredentialPath"] = Path.Combine(_state, "site.json"),
                ["CrafyCaptcha:PublicKey"] = PublicKey,
                ["CrafyCaptcha:SecretKey"] = SecretKey,
                ["CrafyCaptcha:SigningPublicKey"] = "hRragx5b+8d7BT0k7VY0ExGjjVDFIoiHB0OjEkzm2MU=",
                ["CrafyCaptcha:ApiBaseUrl"] = new Uri(_engineUrl, "/crafy/api").ToString(),
                ["CrafyCaptcha:PublicTokenTimeout"] = "00:00:10", // a cold engine on a busy test machine may take more than the default 1 s
                ["CrafyCaptcha:IframeUrl"] = new Uri(_engineUrl, "/crafy/challenge/").ToString(), // by configuration, over the embedded engine's own
                ["Logging:LogLevel:Default"] = "Warning",
            }));
        });
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_site_gets_its_public_token_from_the_engine_and_the_engines_token_passes_the_sites_form()
    {
        using HttpClient site = _site.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var engine = new HttpClient { BaseAddress = _engineUrl };
        string html = await site.GetStringAsync("/Comments");
        Assert.Contains($"\"{PublicToken}\"", html, StringComparison.Ordinal);
        Assert.Contains($"\"iframeUrl\":\"{_engineUrl}crafy/challenge/\"", html, StringComparison.Ordinal);
        string antiforgery = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        HttpResponseMessage options = await site.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy = "comments", __RequestVerificationToken = antiforgery });
        string eo = (string)(await options.Content.ReadFromJsonAsync<JsonObject>())!["eo"]!;

        // The browser's part, against the engine's own origin.
        var cdweo = new JsonObject { ["eo"] = eo, ["telemetry"] = new JsonObject { ["webdriver"] = false, ["elapsed_ms"] = 800 } };
        using var load = new HttpRequestMessage(HttpMethod.Post, "/crafy/challenge/")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["pt"] = PublicToken, ["cdweo"] = cdweo.ToJsonString(), ["parent_origin"] = "http://localhost" }),
        };
        load.Headers.Add("User-Agent", "Mozilla/5.0 test");
        load.Headers.Add("Accept-Language", "en");
        ChallengePage challenge = EngineApp.ReadChallenge(await (await engine.SendAsync(load)).Content.ReadAsStringAsync());
        await Task.Delay(60); // a browser needs a moment to run the page; the engine refuses answers sooner than that
        HttpResponseMessage answer = await engine.PostAsJsonAsync("/crafy/challenge/verify", new JsonObject
        {
            ["flow_token"] = challenge.FlowToken,
            ["pow"] = new JsonObject { ["algorithm"] = "SHA-256", ["challenge"] = (string)challenge.Pow["challenge"]!, ["number"] = EngineApp.Solve(challenge.Pow), ["salt"] = (string)challenge.Pow["salt"]!, ["signature"] = (string)challenge.Pow["signature"]! },
            ["pow_parts"] = EngineApp.SolveParts(challenge.Pow),
        });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        string token = EngineApp.TokenFrom((await answer.Content.ReadFromJsonAsync<JsonObject>())!);

        HttpResponseMessage posted = await site.PostAsync("/comments", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["author"] = "Ana",
            ["text"] = "through a separate engine",
            ["CrafyCAPTCHA_token"] = token,
            ["__RequestVerificationToken"] = antiforgery,
        }));

        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _site.DisposeAsync();
        await _engine.DisposeAsync();
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }
}
