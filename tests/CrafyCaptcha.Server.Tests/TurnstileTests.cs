using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CrafyCaptcha.Server.Credentials;
using NSec.Cryptography;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The optional Cloudflare Turnstile layer over HTTP, as a script would attack it, against a fake <c>siteverify</c> on
/// 127.0.0.1 (<see cref="FakeTurnstile"/>): each documented test key's outcome, forged/missing/'skipped'/replayed
/// tokens, Cloudflare not answering, and nothing changed for credentials without Turnstile.
/// </summary>
public sealed class TurnstileTests : IAsyncLifetime
{
    private FakeTurnstile _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeTurnstile.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    /// <summary>The sample with a credential of its own that has Turnstile keys (the SDK uses the same credential).</summary>
    internal static EngineApp App(FakeTurnstile fake, string secret, Uri? siteVerifyUrl = null, string timeout = "00:00:05", bool kestrel = false)
    {
        ChallengeCredential credential = CredentialStore.NewCredential();
        Dictionary<string, string?> settings = RestApi.Credentials((credential, null));
        settings["CrafyCaptcha:PublicKey"] = credential.PublicKey;
        settings["CrafyCaptcha:SecretKey"] = credential.SecretKey;
        settings["CrafyChallengeServer:Credentials:0:Turnstile:SiteKey"] = FakeTurnstile.SiteKey;
        settings["CrafyChallengeServer:Credentials:0:Turnstile:SecretKey"] = secret;
        settings["CrafyChallengeServer:Turnstile:SiteVerifyUrl"] = (siteVerifyUrl ?? fake.SiteVerifyUrl).ToString();
        settings["CrafyChallengeServer:Turnstile:ScriptUrl"] = fake.ScriptUrl.ToString();
        settings["CrafyChallengeServer:Turnstile:Timeout"] = timeout;
        return new EngineApp(settings: settings, kestrel: kestrel);
    }

    private static async Task<(PageInit Page, ChallengePage Challenge, string Html)> LoadAsync(EngineApp app, string path = "/Account/Login", string policy = "login")
    {
        PageInit page = await app.OpenPageAsync(path);
        string eo = await app.GetEoAsync(page, policy);
        HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, eo);
        Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        string html = await load.Content.ReadAsStringAsync();
        return (page, EngineApp.ReadChallenge(html), html);
    }

    private static async Task<HttpResponseMessage> AnswerAsync(EngineApp app, ChallengePage challenge, string? turnstile, JsonObject? interaction = null)
        => await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow), interaction: interaction, turnstile: turnstile);

    private static async Task<string?> ErrorOf(HttpResponseMessage response)
        => (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["error"];

    private static bool Ed25519Verifies(string signingPublicKey, string payload, string signature)
    {
        PublicKey key = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromBase64String(signingPublicKey), KeyBlobFormat.RawPublicKey);
        return SignatureAlgorithm.Ed25519.Verify(key, Encoding.UTF8.GetBytes(payload), Convert.FromBase64String(signature));
    }

    [Fact]
    public async Task Without_turnstile_nothing_mentions_it_and_skipped_still_passes()
    {
        using var app = new EngineApp();
        (PageInit page, ChallengePage challenge, string html) = await LoadAsync(app);

        // The markup (the page's scripts, carried inline, handle Turnstile when asked to).
        string markup = System.Text.RegularExpressions.Regex.Replace(html, "<script[^>]*>.*?</script>", string.Empty, System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.Contains("data-flow-token", markup, StringComparison.Ordinal);
        Assert.DoesNotContain("turnstile", markup, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("site_key", challenge.HandshakePayload, StringComparison.Ordinal);
        HttpResponseMessage answer = await AnswerAsync(app, challenge, "skipped"); // what the official widget sends
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.DoesNotContain("turnstile", (string)(await answer.Content.ReadFromJsonAsync<JsonObject>())!["payload"]!, StringComparison.Ordinal);
        Assert.Empty(_fake.Calls);

        JsonObject siteKey = (await app.Client.GetFromJsonAsync<JsonObject>($"/crafy/api/turnstile_site_key.php?pk={page.PublicKey}"))!;
        Assert.Null(JsonNode.Parse((string)siteKey["data"]!["payload"]!)!["payload"]!["site_key"]);
    }

    [Fact]
    public async Task With_turnstile_the_site_key_document_and_the_handshake_name_the_real_site_key_signed()
    {
        using var app = App(_fake, FakeTurnstile.PassSecret);
        (PageInit page, ChallengePage challenge, string html) = await LoadAsync(app);

        JsonObject data = (await app.Client.GetFromJsonAsync<JsonObject>($"/crafy/api/turnstile_site_key.php?pk={page.PublicKey}"))!["data"]!.AsObject();
        Assert.True(Ed25519Verifies(page.SigningPublicKey, (string)data["payload"]!, (string)data["signature"]!));
        Assert.Equal(FakeTurnstile.SiteKey, (string?)JsonNode.Parse((string)data["payload"]!)!["payload"]!["site_key"]);

        Assert.True(Ed25519Verifies(page.SigningPublicKey, challenge.HandshakePayload, challenge.HandshakeSignature));
        JsonNode handshake = JsonNode.Parse(challenge.HandshakePayload)!["payload"]!;
        Assert.Equal(FakeTurnstile.SiteKey, (string?)handshake["site_key"]);
        Assert.Equal(_fake.ScriptUrl.ToString(), (string?)handshake["turnstile_script"]);
        Assert.Contains("data-turnstile=\"true\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeTurnstile.PassSecret, html + challenge.HandshakePayload + (string)data["payload"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FakeTurnstile.PassSecret, null)]
    [InlineData(FakeTurnstile.FailSecret, "turnstile_invalid")]
    [InlineData(FakeTurnstile.SpentSecret, "turnstile_spent")]
    public async Task Each_documented_test_secret_gives_its_outcome(string secret, string? error)
    {
        using var app = App(_fake, secret, kestrel: true); // a real connection, so the engine knows the client's address
        (PageInit page, ChallengePage challenge, _) = await LoadAsync(app);

        HttpResponseMessage answer = await AnswerAsync(app, challenge, FakeTurnstile.DummyToken);

        IReadOnlyDictionary<string, string> call = Assert.Single(_fake.Calls);
        Assert.Equal(secret, call["secret"]);
        Assert.Equal(FakeTurnstile.DummyToken, call["response"]);
        Assert.Equal("127.0.0.1", call["remoteip"]);
        Assert.True(Guid.TryParse(call["idempotency_key"], out _));
        Assert.DoesNotContain(challenge.FlowToken, call["idempotency_key"], StringComparison.Ordinal);
        if (error is null)
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            JsonObject complete = (await answer.Content.ReadFromJsonAsync<JsonObject>())!;
            var fields = new Dictionary<string, string> { ["Email"] = "ana@example.com", ["Password"] = "pw", ["CrafyCAPTCHA_token"] = EngineApp.TokenFrom(complete), ["__RequestVerificationToken"] = page.Antiforgery };
            string login = await (await app.Client.PostAsync("/Account/Login", new FormUrlEncodedContent(fields))).Content.ReadAsStringAsync();
            Assert.Contains("Welcome, ana@example.com", login, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            JsonObject body = (await answer.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(error, (string?)body["error"]);
            Assert.False(body.ContainsKey("payload"));

            // No token, and the flow is spent: the widget needs a new challenge (it reloads).
            HttpResponseMessage again = await AnswerAsync(app, challenge, FakeTurnstile.DummyToken);
            Assert.NotEqual(HttpStatusCode.OK, again.StatusCode);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("skipped")]
    [InlineData("oversized")]
    public async Task A_missing_skipped_or_oversized_token_is_refused_without_asking_cloudflare(string? token)
    {
        using var app = App(_fake, FakeTurnstile.PassSecret); // a secret that would pass anything sent
        (_, ChallengePage challenge, _) = await LoadAsync(app);

        HttpResponseMessage answer = await AnswerAsync(app, challenge, token == "oversized" ? new string('a', 2049) : token);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal("turnstile_missing", await ErrorOf(answer));
        Assert.Empty(_fake.Calls);
    }

    [Fact]
    public async Task A_forged_token_or_one_solved_on_another_site_is_refused()
    {
        using var app = App(_fake, FakeTurnstile.StrictSecret);
        (_, ChallengePage forged, _) = await LoadAsync(app);
        (_, ChallengePage elsewhere, _) = await LoadAsync(app);

        HttpResponseMessage forgedAnswer = await AnswerAsync(app, forged, "0.fake-" + new string('0', 48));
        HttpResponseMessage elsewhereAnswer = await AnswerAsync(app, elsewhere, _fake.Mint("evil.example"));

        Assert.Equal("turnstile_invalid", await ErrorOf(forgedAnswer));
        Assert.Equal("turnstile_invalid", await ErrorOf(elsewhereAnswer));
        Assert.Equal(2, _fake.Calls.Count);
    }

    [Fact]
    public async Task A_flow_of_an_eo_that_got_its_token_is_refused_without_asking_cloudflare()
    {
        using var app = App(_fake, FakeTurnstile.StrictSecret);
        PageInit page = await app.OpenPageAsync("/Account/Login");
        string eo = await app.GetEoAsync(page, "login");
        ChallengePage first = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, eo)).Content.ReadAsStringAsync());
        ChallengePage second = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, eo)).Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, (await AnswerAsync(app, first, _fake.Mint())).StatusCode);
        int calls = _fake.Calls.Count;
        HttpResponseMessage refused = await AnswerAsync(app, second, _fake.Mint());

        Assert.Equal(HttpStatusCode.Gone, refused.StatusCode);
        Assert.Equal("flow_unknown_or_spent", await ErrorOf(refused));
        Assert.Equal(calls, _fake.Calls.Count);
    }

    [Fact]
    public async Task A_turnstile_token_earns_one_captcha_token_and_a_replay_earns_none()
    {
        using var app = App(_fake, FakeTurnstile.StrictSecret);
        (_, ChallengePage first, _) = await LoadAsync(app);
        (_, ChallengePage second, _) = await LoadAsync(app);
        string token = _fake.Mint();

        HttpResponseMessage passed = await AnswerAsync(app, first, token);
        HttpResponseMessage replayedAnswer = await AnswerAsync(app, first, token);
        HttpResponseMessage reusedToken = await AnswerAsync(app, second, token);

        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, replayedAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, reusedToken.StatusCode);
        Assert.Equal("turnstile_spent", await ErrorOf(reusedToken));
    }

    [Fact]
    public async Task When_siteverify_does_not_answer_an_invisible_flow_comes_back_interactive_and_then_passes()
    {
        using var app = App(_fake, FakeTurnstile.PassSecret, _fake.SilentSiteVerifyUrl, timeout: "00:00:00.5");
        (_, ChallengePage invisible, _) = await LoadAsync(app);
        Assert.False(invisible.NeedsCheckbox);

        var stopwatch = Stopwatch.StartNew();
        HttpResponseMessage refused = await AnswerAsync(app, invisible, FakeTurnstile.DummyToken);
        stopwatch.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("turnstile_unavailable", await ErrorOf(refused));
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(3)); // bounded by the timeout
        Directory.CreateDirectory(BrowserFixture.ArtifactsDirectory);
        await File.AppendAllTextAsync(Path.Combine(BrowserFixture.ArtifactsDirectory, "timings.txt"),
            $"answer with siteverify silent (Timeout 0.5 s) to turnstile_unavailable: {stopwatch.ElapsedMilliseconds} ms{Environment.NewLine}");

        // The reload (the widget's reaction) asks a person's step, which passes although Cloudflare is still silent.
        (_, ChallengePage interactive, _) = await LoadAsync(app);
        Assert.True(interactive.NeedsCheckbox);
        HttpResponseMessage passed = await AnswerAsync(app, interactive, FakeTurnstile.DummyToken, EngineApp.PointerTrail());
        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
        JsonNode payload = JsonNode.Parse((string)(await passed.Content.ReadFromJsonAsync<JsonObject>())!["payload"]!)!;
        Assert.Contains("turnstile_unavailable", payload["risk_reasons"]!.AsArray().Select(r => (string?)r));
    }

    [Fact]
    public async Task When_siteverify_does_not_answer_a_hidden_flow_below_its_threshold_passes_naming_the_reason()
    {
        using var app = App(_fake, FakeTurnstile.PassSecret, _fake.SilentSiteVerifyUrl, timeout: "00:00:00.5");
        (_, ChallengePage hidden, _) = await LoadAsync(app, "/Comments", "comments"); // FlowMode.Hidden: no step below 0.6
        Assert.False(hidden.NeedsCheckbox);

        HttpResponseMessage passed = await AnswerAsync(app, hidden, FakeTurnstile.DummyToken);

        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
        JsonNode payload = JsonNode.Parse((string)(await passed.Content.ReadFromJsonAsync<JsonObject>())!["payload"]!)!;
        Assert.Contains("turnstile_unavailable", payload["risk_reasons"]!.AsArray().Select(r => (string?)r));
        Assert.Equal("invisible", (string?)payload["mode"]);
    }

    [Fact]
    public async Task When_siteverify_does_not_answer_a_missing_token_is_still_refused()
    {
        using var app = App(_fake, FakeTurnstile.PassSecret, _fake.SilentSiteVerifyUrl, timeout: "00:00:00.5");
        (_, ChallengePage challenge, _) = await LoadAsync(app);

        Assert.Equal("turnstile_missing", await ErrorOf(await AnswerAsync(app, challenge, "skipped")));
    }

    [Theory]
    [InlineData("CrafyChallengeServer:Credentials:0:Turnstile:SecretKey", null, "Turnstile needs both SiteKey and SecretKey")]
    [InlineData("CrafyChallengeServer:Turnstile:SiteVerifyUrl", "/siteverify", "CrafyChallengeServer:Turnstile:SiteVerifyUrl must be an absolute http(s) address")]
    [InlineData("CrafyChallengeServer:Turnstile:Timeout", "00:05:00", "CrafyChallengeServer:Turnstile:Timeout must be between")]
    public void Bad_turnstile_settings_stop_the_app_at_start_up_naming_the_key(string key, string? value, string message)
    {
        ChallengeCredential credential = CredentialStore.NewCredential();
        Dictionary<string, string?> settings = RestApi.Credentials((credential, null));
        settings["CrafyChallengeServer:Credentials:0:Turnstile:SiteKey"] = FakeTurnstile.SiteKey;
        settings["CrafyChallengeServer:Credentials:0:Turnstile:SecretKey"] = FakeTurnstile.PassSecret;
        settings[key] = value;

        Exception error = Assert.ThrowsAny<Exception>(() => new EngineApp(settings: settings).Dispose());
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }
}
