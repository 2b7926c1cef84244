using System.Net;
using System.Net.Http.Json;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.Tests;

/// <summary>The three protection styles of the sample, each attacked with every kind of bad token.</summary>
public sealed class ProtectionTests(SampleAppFixture fixture) : IClassFixture<SampleAppFixture>
{
    private readonly SampleApp _app = fixture.App;

    public static TheoryData<string, string> BadTokens => new()
    {
        { "none", CrafyCaptchaErrorCodes.Missing },
        { "forged", CrafyCaptchaErrorCodes.Invalid },
        { "expired", CrafyCaptchaErrorCodes.Expired },
        { "other-policy", CrafyCaptchaErrorCodes.WrongPolicy },
        { "garbage", CrafyCaptchaErrorCodes.Malformed },
        { "never-created", CrafyCaptchaErrorCodes.Replayed },
    };

    private async Task<string?> BadTokenAsync(string kind, string policy) => kind switch
    {
        "none" => null,
        "forged" => await _app.MintTokenAsync(policy, signWith: SampleApp.OtherSecretKey),
        "expired" => await _app.MintTokenAsync(policy, expiresAt: DateTimeOffset.UtcNow.AddSeconds(-1)),
        "other-policy" => await _app.MintTokenAsync(policy == "comments" ? "login" : "comments"),
        "garbage" => "bm90IGEgdG9rZW4=",
        "never-created" => SampleApp.TokenFor(new string('a', 64), DateTimeOffset.UtcNow.AddMinutes(5)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Minimal_api_rejects_bad_tokens_with_a_stable_problem_code(string kind, string expectedCode)
    {
        string expectedMessage = Messages.English[CrafyCaptchaErrorCodes.Kind(Messages.FailureOf(expectedCode))];
        using HttpClient client = _app.Client();
        var fields = new Dictionary<string, string> { ["author"] = "Ana", ["text"] = "Hello" };
        if (await BadTokenAsync(kind, "comments") is { } token)
        {
            fields["CrafyCAPTCHA_token"] = token;
        }

        HttpResponseMessage response = await SampleApp.PostFormAsync(client, "/Comments", "/comments", fields);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonObject problem = await SampleApp.ProblemAsync(response);
        Assert.Equal(expectedCode, (string)problem["code"]!);
        Assert.Equal(400, (int)problem["status"]!);
        Assert.Equal(expectedMessage, (string)problem["detail"]!);
        string body = problem.ToJsonString();
        Assert.DoesNotContain(SampleApp.SecretKey, body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Minimal_api_accepts_a_valid_token_once()
    {
        using HttpClient client = _app.Client();
        string token = await _app.MintTokenAsync("comments");
        var fields = new Dictionary<string, string> { ["author"] = "Ana", ["text"] = "First!", ["CrafyCAPTCHA_token"] = token };

        HttpResponseMessage first = await SampleApp.PostFormAsync(client, "/Comments", "/comments", new(fields));
        HttpResponseMessage replay = await SampleApp.PostFormAsync(client, "/Comments", "/comments", new(fields));

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Contains("First!", await client.GetStringAsync("/Comments"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Equal(CrafyCaptchaErrorCodes.Replayed, (string)(await SampleApp.ProblemAsync(replay))["code"]!);
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Mvc_login_rerenders_the_form_with_the_users_input_and_a_message(string kind, string expectedCode)
    {
        string expectedMessage = Messages.English[CrafyCaptchaErrorCodes.Kind(Messages.FailureOf(expectedCode))];
        using HttpClient client = _app.Client();
        var fields = new Dictionary<string, string> { ["Email"] = "ana@example.com", ["Password"] = "hunter2" };
        if (await BadTokenAsync(kind, "login") is { } token)
        {
            fields["CrafyCAPTCHA_token"] = token;
        }

        HttpResponseMessage response = await SampleApp.PostFormAsync(client, "/Account/Login", "/Account/Login", fields);
        string html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("value=\"ana@example.com\"", html, StringComparison.Ordinal);
        Assert.Contains(HtmlEncoder.Default.Encode(expectedMessage), html, StringComparison.Ordinal);
        Assert.DoesNotContain("Welcome", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mvc_login_accepts_a_valid_token_and_rejects_its_replay()
    {
        using HttpClient client = _app.Client();
        string token = await _app.MintTokenAsync("login");
        var fields = new Dictionary<string, string> { ["Email"] = "ana@example.com", ["Password"] = "hunter2", ["CrafyCAPTCHA_token"] = token };

        string first = await (await SampleApp.PostFormAsync(client, "/Account/Login", "/Account/Login", new(fields))).Content.ReadAsStringAsync();
        string replay = await (await SampleApp.PostFormAsync(client, "/Account/Login", "/Account/Login", new(fields))).Content.ReadAsStringAsync();

        Assert.Contains("Welcome, ana@example.com", first, StringComparison.Ordinal);
        Assert.Contains(HtmlEncoder.Default.Encode(Messages.English[CrafyCaptchaFailureKind.Replayed]), replay, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Razor_page_rerenders_with_the_users_input_on_failure(string kind, string expectedCode)
    {
        string expectedMessage = Messages.English[CrafyCaptchaErrorCodes.Kind(Messages.FailureOf(expectedCode))];
        using HttpClient client = _app.Client();
        var fields = new Dictionary<string, string> { ["Input.UserName"] = "ana", ["Input.Email"] = "ana@example.com" };
        if (await BadTokenAsync(kind, "register") is { } token)
        {
            fields["CrafyCAPTCHA_token"] = token;
        }

        HttpResponseMessage response = await SampleApp.PostFormAsync(client, "/Register", "/Register", fields);
        string html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("value=\"ana\"", html, StringComparison.Ordinal);
        Assert.Contains(HtmlEncoder.Default.Encode(expectedMessage), html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"registered\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Razor_page_accepts_a_valid_token()
    {
        using HttpClient client = _app.Client();
        var fields = new Dictionary<string, string> { ["Input.UserName"] = "ana", ["Input.Email"] = "ana@example.com", ["CrafyCAPTCHA_token"] = await _app.MintTokenAsync("register") };

        string html = await (await SampleApp.PostFormAsync(client, "/Register", "/Register", fields)).Content.ReadAsStringAsync();

        Assert.Contains("id=\"registered\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_controller_in_reject_mode_answers_the_coded_problem_details_and_accepts_a_header_token()
    {
        using HttpClient client = _app.Client();

        HttpResponseMessage missing = await client.PostAsJsonAsync("/api/newsletter", new { email = "ana@example.com" });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        JsonObject problem = await SampleApp.ProblemAsync(missing);
        Assert.Equal(CrafyCaptchaErrorCodes.Missing, (string)problem["code"]!);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/newsletter") { Content = JsonContent.Create(new { email = "ana@example.com" }) };
        request.Headers.Add("X-Crafy-Captcha-Token", await _app.MintTokenAsync("comments"));
        HttpResponseMessage ok = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Ignore_attribute_opts_an_action_out_and_safe_methods_are_not_checked()
    {
        using HttpClient client = _app.Client();

        HttpResponseMessage delete = await client.DeleteAsync("/api/newsletter?email=ana@example.com");
        HttpResponseMessage get = await client.GetAsync("/Account/Login");

        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    [Fact]
    public async Task A_token_above_the_policys_risk_threshold_is_rejected()
    {
        using var app = new SampleApp
        {
            ConfigureServices = s => s.AddOptions<CrafyCaptchaHttpOptions>().Configure(o => o.AddPolicy("comments", p => p.MaxRiskScore = 0.5)),
        };
        using HttpClient client = app.Client();
        var fields = new Dictionary<string, string> { ["author"] = "Bot", ["text"] = "spam", ["CrafyCAPTCHA_token"] = await app.MintTokenAsync("comments", riskScore: 0.9) };

        HttpResponseMessage response = await SampleApp.PostFormAsync(client, "/Comments", "/comments", fields);

        JsonObject problem = await SampleApp.ProblemAsync(response);
        Assert.Equal(CrafyCaptchaErrorCodes.TooRisky, (string)problem["code"]!);
        Assert.Equal(Messages.English[CrafyCaptchaFailureKind.TooRisky], (string)problem["detail"]!);
    }
}

/// <summary>One sample app for a test class.</summary>
public sealed class SampleAppFixture : IDisposable
{
    public SampleApp App { get; } = new();

    public void Dispose() => App.Dispose();
}
