using System.Net;
using System.Text.Json.Nodes;
using CrafyCaptcha.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Tests;

/// <summary><c>MapCrafyWidgetSettings()</c> over plain HTTP: what it gives, what it never gives, and its limits.</summary>
public sealed class WidgetSettingsEndpointTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "crafy-settings-" + Guid.NewGuid().ToString("N"));
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "wwwroot"));
        _app = WidgetSettingsBrowserTests.SpaSite.Build(_root, Environments.Production, new Dictionary<string, string?>
        {
            ["CrafyCaptcha:OptionsEndpointPermitsPerMinute"] = "3",
        });
        await _app.StartAsync();
        _client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
    }

    [Fact]
    public async Task It_gives_the_init_arguments_a_fresh_eo_the_visitor_cookie_and_the_antiforgery_token_and_no_secret()
    {
        using HttpResponseMessage response = await _client.GetAsync("/crafy-settings?policy=comments");
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        JsonNode settings = JsonNode.Parse(body)!;
        Assert.Equal("comments", (string?)settings["policy"]);
        CrafyCaptchaOptions keys = _app.Services.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value;
        Assert.Equal(keys.PublicKey, (string?)settings["publicKey"]);
        Assert.False(string.IsNullOrEmpty((string?)settings["publicToken"]));
        Assert.False(string.IsNullOrEmpty(keys.SigningPublicKey));
        Assert.Equal(keys.SigningPublicKey, (string?)settings["signingPublicKey"]);
        Assert.StartsWith("/_content/CrafyCaptcha.AspNetCore/crafy-captcha", (string?)settings["scriptUrl"], StringComparison.Ordinal);
        Assert.StartsWith(";v3_;", (string?)settings["options"]!["encryptedOptions"], StringComparison.Ordinal);
        Assert.Equal("/crafy-options", (string?)settings["options"]!["optionsUrl"]);
        Assert.Equal("CrafyCAPTCHA_token", (string?)settings["options"]!["inputName"]);
        Assert.Equal("comments", (string?)settings["internalOptions"]!["fetchOptionsParameters"]!["policy"]);
        string? antiforgery = (string?)settings["antiforgery"]!["requestToken"];
        Assert.False(string.IsNullOrEmpty(antiforgery));
        Assert.Equal(antiforgery, (string?)settings["internalOptions"]!["fetchOptionsParameters"]!["__RequestVerificationToken"]);
        Assert.Equal(CrafyCaptchaHttpOptions.DefaultHeaderName, (string?)settings["tokenHeaderName"]);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("CrafyCAPTCHA.Visitor=", StringComparison.Ordinal));
        Assert.DoesNotContain(keys.SecretKey!, body, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", body, StringComparison.OrdinalIgnoreCase);
        Assert.Null(settings["options"]!["devHints"]); // Production
    }

    [Fact]
    public async Task An_unknown_policy_is_refused_with_its_code()
    {
        using HttpResponseMessage response = await _client.GetAsync("/crafy-settings?policy=nope");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(CrafyCaptchaErrorCodes.UnknownPolicy, (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["code"]);
    }

    [Fact]
    public async Task Its_eos_come_out_of_the_options_endpoints_budget_per_client()
    {
        // Budget 3 a minute: three answers carry an eo, the fourth none (the widget then asks the options endpoint,
        // which is out of budget too and answers 429 with Retry-After, as it does for a tag-helper page).
        var eos = new List<string?>();
        for (int i = 0; i < 4; i++)
        {
            using HttpResponseMessage response = await _client.GetAsync("/crafy-settings?policy=comments");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            eos.Add((string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["options"]!["encryptedOptions"]);
        }

        Assert.All(eos.Take(3), eo => Assert.StartsWith(";v3_;", eo, StringComparison.Ordinal));
        Assert.Null(eos[3]);
    }

    [Fact]
    public async Task A_page_out_of_budget_gets_no_eo_and_the_options_endpoint_it_turns_to_answers_429()
    {
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = _client.BaseAddress };
        JsonNode settings = null!;
        for (int i = 0; i < 4; i++)
        {
            settings = JsonNode.Parse(await browser.GetStringAsync("/crafy-settings?policy=comments"))!;
        }

        Assert.Null(settings["options"]!["encryptedOptions"]);
        using var request = new HttpRequestMessage(HttpMethod.Post, (string?)settings["options"]!["optionsUrl"])
        {
            Content = new StringContent(settings["internalOptions"]!["fetchOptionsParameters"]!.ToJsonString().Replace("{", "{\"action\":\"get_options\",", StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json"),
        };
        using HttpResponseMessage options = await browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.TooManyRequests, options.StatusCode);
        Assert.Equal("captcha_options_rate_limited", (string?)JsonNode.Parse(await options.Content.ReadAsStringAsync())!["code"]);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
