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

namespace CrafyCaptcha.Server.Tests;

/// <summary>The sample with its embedded engine, and a client that plays the widget's part over HTTP.</summary>
public sealed class EngineApp : IDisposable
{
    private readonly string _state;
    private readonly bool _ownsState;

    public EngineApp(TimeProvider? timeProvider = null, string? sharedStateDirectory = null, Action<IServiceCollection>? services = null)
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
            }));
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
        Client = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
    }

    public WebApplicationFactory<Program> Factory { get; }

    public HttpClient Client { get; }

    public const string ParentOrigin = "http://localhost";

    public async Task<PageInit> OpenPageAsync(string path)
    {
        string html = await Client.GetStringAsync(path);
        Match init = Regex.Match(html, "c\\.init\\(\"[^\"]+\",\"(?<pk>[^\"]+)\",\"(?<pt>[^\"]+)\",\"(?<spk>[^\"]+)\"");
        Match antiforgery = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        Assert.True(init.Success && antiforgery.Success, "the page has no widget or no antiforgery field");
        return new PageInit(init.Groups["pk"].Value, init.Groups["pt"].Value, Regex.Unescape(init.Groups["spk"].Value), antiforgery.Groups[1].Value);
    }

    public async Task<string> GetEoAsync(PageInit page, string policy)
    {
        HttpResponseMessage response = await Client.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy, __RequestVerificationToken = page.Antiforgery });
        response.EnsureSuccessStatusCode();
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["eo"]!;
    }

    public async Task<HttpResponseMessage> LoadChallengeAsync(string publicToken, string eo, string parentOrigin = ParentOrigin, string? originHeader = ParentOrigin, bool webdriver = false)
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
        return await Client.SendAsync(request);
    }

    public static ChallengePage ReadChallenge(string html)
    {
        string Attr(string name) => WebUtility.HtmlDecode(Regex.Match(html, $"{name}=\"([^\"]*)\"").Groups[1].Value);
        JsonObject pow = JsonNode.Parse(Attr("data-pow"))!.AsObject();
        return new ChallengePage(Attr("data-flow-token"), pow, Attr("data-checkbox") == "true", Attr("data-handshake-payload"), Attr("data-handshake-signature"));
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

    public Task<HttpResponseMessage> AnswerAsync(string flowToken, JsonObject pow, long number, bool checkbox = false)
        => Client.PostAsJsonAsync("/crafy/challenge/verify", new JsonObject
        {
            ["flow_token"] = flowToken,
            ["pow"] = new JsonObject { ["algorithm"] = (string)pow["algorithm"]!, ["challenge"] = (string)pow["challenge"]!, ["number"] = number, ["salt"] = (string)pow["salt"]!, ["signature"] = (string)pow["signature"]! },
            ["checkbox"] = checkbox,
        });

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

public sealed record ChallengePage(string FlowToken, JsonObject Pow, bool NeedsCheckbox, string HandshakePayload, string HandshakeSignature);
