using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CrafyCaptcha.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.Tests;

/// <summary>The sample site in-process (real HTTP pipeline through WebApplicationFactory), with a real credential.</summary>
public sealed class SampleApp : WebApplicationFactory<Program>
{
    private static readonly Lazy<Task<FakeHostedApi>> SharedApi = new(FakeHostedApi.StartAsync);

    public const string PublicKey = "pk_8868cdb2a4575e8755324cb77bf5be3a";
    public const string SecretKey = "sk_5526a47fc8b0eae583e42f4219e53e5fa96ed80cc4c1b7246e548e402b7a81b9";
    public const string OtherSecretKey = "sk_4a69f63c7ad8a64237db4b2a00a17f0446e936df6b7c41b3dd99a8577111070e";
    public const string SigningPublicKey = "hRragx5b+8d7BT0k7VY0ExGjjVDFIoiHB0OjEkzm2MU=";

    public Dictionary<string, string?> Settings { get; } = new()
    {
        ["CrafyCaptcha:PublicKey"] = PublicKey,
        ["CrafyCaptcha:SecretKey"] = SecretKey,
        ["CrafyCaptcha:SigningPublicKey"] = SigningPublicKey,
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public string EnvironmentName { get; set; } = "Development";

    public Action<IServiceCollection>? ConfigureServices { get; set; }

    /// <summary>The hosted API stand-in every test app talks to, unless a test sets its own ApiBaseUrl.</summary>
    public static FakeHostedApi Api => SharedApi.Value.GetAwaiter().GetResult();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Settings.TryAdd("CrafyCaptcha:ApiBaseUrl", Api.BaseUrl.ToString());
        builder.UseEnvironment(EnvironmentName);
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(Settings));
        if (ConfigureServices is not null)
        {
            builder.ConfigureServices(ConfigureServices);
        }
    }

    public HttpClient Client() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>Creates a flow for <paramref name="policy"/> through the app's own SDK and signs a token for it, as the challenge server does.</summary>
    public async Task<string> MintTokenAsync(string policy, DateTimeOffset? expiresAt = null, string? signWith = null, double riskScore = 0.1)
    {
        string eo = await Services.GetRequiredService<ICrafyCaptcha>().CreateFlowAsync(new FlowOptions { Context = new JsonObject { ["policy"] = policy } });
        return TokenFor(NonceOf(eo), expiresAt ?? DateTimeOffset.UtcNow.AddMinutes(5), signWith ?? SecretKey, riskScore);
    }

    public static string NonceOf(string eo) => TokenMint.NonceOf(SecretKey, eo);

    public static string TokenFor(string nonce, DateTimeOffset expiresAt, string signWith = SecretKey, double riskScore = 0.1)
        => TokenMint.TokenFor(SecretKey, nonce, expiresAt, signWith, riskScore);

    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string pageUrl)
    {
        string html = await client.GetStringAsync(pageUrl);
        Match match = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        Assert.True(match.Success, "the page has no antiforgery field");
        return match.Groups[1].Value;
    }

    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string pageUrl, string postUrl, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = await AntiforgeryTokenAsync(client, pageUrl);
        return await client.PostAsync(postUrl, new FormUrlEncodedContent(fields));
    }

    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }
}
