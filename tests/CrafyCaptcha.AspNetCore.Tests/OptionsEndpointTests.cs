using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.Cryptography;

namespace CrafyCaptcha.AspNetCore.Tests;

public sealed class OptionsEndpointTests
{
    [Fact]
    public async Task Answers_an_eo_for_the_policy_with_no_store_caching_when_the_antiforgery_token_is_sent()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        string antiforgery = await SampleApp.AntiforgeryTokenAsync(client, "/Register");

        HttpResponseMessage response = await client.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy = "register", __RequestVerificationToken = antiforgery });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        string eo = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["eo"]!;
        using var box = new SecretBox(SampleApp.SecretKey);
        Assert.True(box.TryOpen(eo, out byte[]? plaintext));
        JsonObject options = JsonNode.Parse(plaintext)!.AsObject();
        Assert.Equal("puzzle", (string)options["mode"]!);
        Assert.Equal(["slider", "connect"], options["puzzles"]!.AsArray().Select(p => (string)p!));
        Assert.False(options.ContainsKey("context"), "the policy context stays server-side");

        // The flow it created is the one a token for this policy must carry.
        string token = SampleApp.TokenFor((string)options["nonce"]!, DateTimeOffset.UtcNow.AddMinutes(5));
        var fields = new Dictionary<string, string> { ["Input.UserName"] = "ana", ["Input.Email"] = "ana@example.com", ["CrafyCAPTCHA_token"] = token };
        string html = await (await SampleApp.PostFormAsync(client, "/Register", "/Register", fields)).Content.ReadAsStringAsync();
        Assert.Contains("id=\"registered\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accepts_the_antiforgery_token_in_the_header_too()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        string antiforgery = await SampleApp.AntiforgeryTokenAsync(client, "/Register");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/crafy-options") { Content = JsonContent.Create(new { action = "get_options", policy = "login" }) };
        request.Headers.Add("RequestVerificationToken", antiforgery);

        HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Refuses_requests_without_a_valid_antiforgery_token()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();

        HttpResponseMessage missing = await client.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy = "login" });
        HttpResponseMessage forged = await client.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy = "login", __RequestVerificationToken = "forged" });

        foreach (HttpResponseMessage response in new[] { missing, forged })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("captcha_options_antiforgery", (string)(await SampleApp.ProblemAsync(response))["code"]!);
        }
    }

    [Theory]
    [InlineData("{\"action\":\"get_options\",\"policy\":\"nope\"}", "captcha_unknown_policy")]
    [InlineData("{\"action\":\"something_else\"}", "captcha_options_bad_request")]
    [InlineData("not json", "captcha_options_bad_request")]
    [InlineData("[1,2,3]", "captcha_options_bad_request")]
    public async Task Bad_requests_get_a_problem_with_a_stable_code(string body, string code)
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        string antiforgery = await SampleApp.AntiforgeryTokenAsync(client, "/Register");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/crafy-options") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("RequestVerificationToken", antiforgery);

        HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (string)(await SampleApp.ProblemAsync(response))["code"]!);
    }

    [Fact]
    public async Task One_client_cannot_create_more_flows_than_the_rate_limit()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        string antiforgery = await SampleApp.AntiforgeryTokenAsync(client, "/Register");
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 125; i++)
        {
            HttpResponseMessage response = await client.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy = "login", __RequestVerificationToken = antiforgery });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("60", response.Headers.RetryAfter?.ToString());
                Assert.Equal("captcha_options_rate_limited", (string)(await SampleApp.ProblemAsync(response))["code"]!);
            }
        }

        // The page itself carried its widget's first eo: that flow came out of the same budget of 120 a minute.
        Assert.Equal(119, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(6, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Junk_from_a_client_does_not_spend_its_flow_budget()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        string antiforgery = await SampleApp.AntiforgeryTokenAsync(client, "/Register");
        for (int i = 0; i < 500; i++)
        {
            HttpResponseMessage junk = i % 2 == 0
                ? await client.PostAsync("/crafy-options", new StringContent("{not json"))
                : await client.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy = "login", __RequestVerificationToken = "forged" });
            Assert.Equal(HttpStatusCode.BadRequest, junk.StatusCode);
        }

        HttpResponseMessage real = await client.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy = "login", __RequestVerificationToken = antiforgery });
        Assert.Equal(HttpStatusCode.OK, real.StatusCode);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        string big = "{\"action\":\"get_options\",\"pad\":\"" + new string('x', 10_000) + "\"}";

        HttpResponseMessage response = await client.PostAsync("/crafy-options", new StringContent(big, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}
