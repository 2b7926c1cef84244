using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NSec.Cryptography;

namespace CrafyCaptcha.Server.Tests;

/// <summary>The engine over HTTP: the happy path, then each attack refused with a clear error and no token.</summary>
public sealed class EngineTests
{
    private static bool Ed25519Verifies(string signingPublicKey, string payload, string signature)
    {
        PublicKey key = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromBase64String(signingPublicKey), KeyBlobFormat.RawPublicKey);
        return SignatureAlgorithm.Ed25519.Verify(key, Encoding.UTF8.GetBytes(payload), Convert.FromBase64String(signature));
    }

    [Fact]
    public async Task A_solved_challenge_yields_a_signed_token_that_the_sdk_and_the_form_accept_once()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        string eo = await app.GetEoAsync(page, "login");

        HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, eo);
        Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        Assert.Contains("frame-ancestors http://localhost", load.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        ChallengePage challenge = EngineApp.ReadChallenge(await load.Content.ReadAsStringAsync());
        Assert.False(challenge.NeedsCheckbox);
        Assert.True(Ed25519Verifies(page.SigningPublicKey, challenge.HandshakePayload, challenge.HandshakeSignature));
        Assert.Equal(challenge.FlowToken, (string)JsonNode.Parse(challenge.HandshakePayload)!["payload"]!["flow_token"]!);

        HttpResponseMessage answer = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        JsonObject complete = (await answer.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(Ed25519Verifies(page.SigningPublicKey, (string)complete["payload"]!, (string)complete["signature"]!));
        JsonObject payload = JsonNode.Parse((string)complete["payload"]!)!.AsObject();
        Assert.Equal("success", (string)payload["status"]!);
        Assert.Equal(challenge.FlowToken, (string)payload["flow_token"]!);
        Assert.Equal("localhost", (string)payload["hostname"]!);
        DateTimeOffset expires = DateTimeOffset.Parse((string)payload["expires_at"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5.1));

        string token = EngineApp.TokenFrom(complete);
        var fields = new Dictionary<string, string> { ["Email"] = "ana@example.com", ["Password"] = "pw", ["CrafyCAPTCHA_token"] = token, ["__RequestVerificationToken"] = page.Antiforgery };
        string first = await (await app.Client.PostAsync("/Account/Login", new FormUrlEncodedContent(fields))).Content.ReadAsStringAsync();
        string second = await (await app.Client.PostAsync("/Account/Login", new FormUrlEncodedContent(fields))).Content.ReadAsStringAsync();
        Assert.Contains("Welcome, ana@example.com", first, StringComparison.Ordinal);
        Assert.Contains("This verification was already used or is no longer valid", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Engine_tokens_verify_with_the_sdk_directly()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Comments");
        ICrafyCaptcha sdk = app.Factory.Services.GetRequiredService<ICrafyCaptcha>();
        // A flow made with the SDK itself (not bound to a browser: the site's own flows are, see VisitorBindingTests).
        string eo = await sdk.CreateFlowAsync(new FlowOptions { Context = new JsonObject { ["policy"] = "comments" } });
        ChallengePage challenge = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, eo)).Content.ReadAsStringAsync());
        JsonObject complete = (await (await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow))).Content.ReadFromJsonAsync<JsonObject>())!;

        FlowVerification result = await sdk.VerifyFlowAsync(EngineApp.TokenFrom(complete), new JsonObject { ["policy"] = "comments" });

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(challenge.FlowToken, result.FlowToken);
        Assert.InRange(result.RiskScore!.Value, 0, 0.5);
    }

    [Theory]
    [InlineData("https://evil.example", "https://evil.example", "is not allowed for this credential")]
    [InlineData("http://localhost", "https://evil.example", "requested from another site")]
    [InlineData("not an origin", null, "did not say where it is")]
    public async Task Foreign_or_inconsistent_origins_get_an_error_page_and_no_challenge(string parentOrigin, string? originHeader, string message)
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        string eo = await app.GetEoAsync(page, "login");

        HttpResponseMessage response = await app.LoadChallengeAsync(page.PublicToken, eo, parentOrigin, originHeader);
        string html = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest);
        Assert.Contains(message, html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-pow", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_public_token_is_refused()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");

        HttpResponseMessage response = await app.LoadChallengeAsync("pt_unknown", await app.GetEoAsync(page, "login"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Unknown site key", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_eo_sealed_with_another_secret_is_refused()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        using var otherBox = new CrafyCaptcha.Cryptography.SecretBox("sk_another_secret_entirely");
        string foreignEo = otherBox.Seal("{\"mode\":\"auto\",\"nonce\":\"" + new string('a', 64) + "\"}");

        HttpResponseMessage response = await app.LoadChallengeAsync(page.PublicToken, foreignEo);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("made with another secret key", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_proof_of_work_answer_is_accepted_once()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        ChallengePage challenge = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "login"))).Content.ReadAsStringAsync());
        long number = EngineApp.Solve(challenge.Pow);

        HttpResponseMessage first = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, number);
        HttpResponseMessage replay = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, number);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        JsonObject body = (await replay.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("pow_replayed", (string)body["error"]!);
        Assert.False(body.ContainsKey("payload"));
    }

    [Fact]
    public async Task A_proof_of_work_answer_for_another_flow_is_refused()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        ChallengePage a = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "login"))).Content.ReadAsStringAsync());
        ChallengePage b = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "login"))).Content.ReadAsStringAsync());

        HttpResponseMessage response = await app.AnswerAsync(b.FlowToken, a.Pow, EngineApp.Solve(a.Pow));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("pow_other_flow", (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!);
    }

    [Theory]
    [InlineData("wrong-number", "pow_wrong_answer")]
    [InlineData("forged-challenge", "pow_invalid")]
    [InlineData("forged-salt", "pow_invalid")]
    public async Task Forged_answers_are_refused(string attack, string error)
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        ChallengePage challenge = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "login"))).Content.ReadAsStringAsync());
        long number = EngineApp.Solve(challenge.Pow);
        JsonObject pow = challenge.Pow.DeepClone().AsObject();
        switch (attack)
        {
            case "wrong-number":
                number++;
                break;
            case "forged-challenge":
                pow["challenge"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes((string)pow["salt"]! + "0")));
                number = 0;
                break;
            default:
                pow["salt"] = ((string)pow["salt"]!).Replace("pk=", "pk=pk_0", StringComparison.Ordinal);
                break;
        }

        HttpResponseMessage response = await app.AnswerAsync(challenge.FlowToken, pow, number);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!);
    }

    [Fact]
    public async Task An_expired_challenge_is_refused()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new EngineApp(clock);
        PageInit page = await app.OpenPageAsync("/Account/Login");
        ChallengePage challenge = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "login"))).Content.ReadAsStringAsync());
        long number = EngineApp.Solve(challenge.Pow);

        clock.Advance(TimeSpan.FromMinutes(11));
        HttpResponseMessage response = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, number);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("pow_expired", (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!);
    }

    [Fact]
    public async Task The_same_eo_reloads_until_its_token_is_issued()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        string eo = await app.GetEoAsync(page, "login");

        ChallengePage first = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, eo)).Content.ReadAsStringAsync());
        ChallengePage reset = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, eo)).Content.ReadAsStringAsync());
        Assert.NotEqual(first.FlowToken, reset.FlowToken);
        Assert.Equal(HttpStatusCode.OK, (await app.AnswerAsync(reset.FlowToken, reset.Pow, EngineApp.Solve(reset.Pow))).StatusCode);

        HttpResponseMessage afterSpent = await app.LoadChallengeAsync(page.PublicToken, eo);
        Assert.Equal(HttpStatusCode.Gone, afterSpent.StatusCode);

        // The other flow of the same eo can no longer issue a token either.
        HttpResponseMessage sibling = await app.AnswerAsync(first.FlowToken, first.Pow, EngineApp.Solve(first.Pow));
        Assert.Equal(HttpStatusCode.Gone, sibling.StatusCode);
        Assert.Equal("flow_unknown_or_spent", (string)(await sibling.Content.ReadFromJsonAsync<JsonObject>())!["error"]!);
    }

    [Fact]
    public async Task Puzzle_mode_shows_a_puzzle_and_a_hand_without_its_answer_gets_no_token()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Register");
        string html = await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "register"))).Content.ReadAsStringAsync();
        ChallengePage challenge = EngineApp.ReadChallenge(html);
        Assert.False(challenge.NeedsCheckbox);
        Assert.Contains("data-puzzle=\"{&quot;kind&quot;:&quot;slider&quot;", html, StringComparison.Ordinal);

        HttpResponseMessage ticked = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow), EngineApp.PointerTrail());
        Assert.Equal("puzzle_new", (string)(await ticked.Content.ReadFromJsonAsync<JsonObject>())!["error"]!);
    }

    [Fact]
    public async Task The_rest_authenticate_call_gives_the_public_token_to_the_right_keys_only()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        CrafyCaptchaOptions sdk = app.Factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CrafyCaptchaOptions>>().Value;

        HttpResponseMessage ok = await app.Client.PostAsJsonAsync("/crafy/api/?action=authenticate", new { public_key = sdk.PublicKey, secret_key = sdk.SecretKey });
        HttpResponseMessage wrong = await app.Client.PostAsJsonAsync("/crafy/api/?action=authenticate", new { public_key = sdk.PublicKey, secret_key = "sk_wrong" });
        HttpResponseMessage limited = await app.Client.PostAsJsonAsync("/crafy/api/?action=authenticate", new { public_key = sdk.PublicKey, secret_key = sdk.SecretKey });

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        JsonObject envelope = (await ok.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("success", (string)envelope["status"]!);
        Assert.Equal(page.PublicToken, (string)envelope["data"]!["public_token"]!);
        Assert.Equal(3600, (int)envelope["data"]!["expires_in"]!);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("error", (string)(await wrong.Content.ReadFromJsonAsync<JsonObject>())!["status"]!);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode); // 2 per second per client, as the hosted API
    }

    [Fact]
    public async Task Oversized_requests_are_refused_before_parsing()
    {
        using var app = new EngineApp();
        var big = new FormUrlEncodedContent(new Dictionary<string, string> { ["pt"] = "x", ["cdweo"] = new string('a', 40_000), ["parent_origin"] = EngineApp.ParentOrigin });

        HttpResponseMessage page = await app.Client.PostAsync("/crafy/challenge/", big);
        HttpResponseMessage verify = await app.Client.PostAsync("/crafy/challenge/verify", new StringContent(new string(' ', 20_000) + "{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, page.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, verify.StatusCode);
    }

    [Fact]
    public async Task The_site_key_document_is_signed_and_says_no_turnstile()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");

        HttpResponseMessage response = await app.Client.GetAsync($"/crafy/api/turnstile_site_key.php?pk={page.PublicKey}");

        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        JsonObject data = (await response.Content.ReadFromJsonAsync<JsonObject>())!["data"]!.AsObject();
        Assert.True(Ed25519Verifies(page.SigningPublicKey, (string)data["payload"]!, (string)data["signature"]!));
        JsonObject payload = JsonNode.Parse((string)data["payload"]!)!.AsObject();
        Assert.True(payload["payload"]!.AsObject().ContainsKey("site_key"));
        Assert.Null(payload["payload"]!["site_key"]);
    }

    [Fact]
    public async Task The_development_credential_survives_a_restart()
    {
        string path = Path.Combine(Path.GetTempPath(), "crafy-dev-" + Guid.NewGuid().ToString("N"), "dev.json");
        try
        {
            string PublicKeyOf()
            {
                using var factory = new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>().WithWebHostBuilder(b =>
                {
                    b.UseSetting("CrafyChallengeServer:DevelopmentCredentialPath", path);
                    b.ConfigureServices(s => Microsoft.AspNetCore.DataProtection.DataProtectionBuilderExtensions.PersistKeysToFileSystem(
                        Microsoft.Extensions.DependencyInjection.DataProtectionServiceCollectionExtensions.AddDataProtection(s),
                        new DirectoryInfo(Path.Combine(Path.GetDirectoryName(path)!, "keys"))));
                });
                return factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CrafyCaptchaOptions>>().Value.PublicKey!;
            }

            string first = PublicKeyOf();
            string second = PublicKeyOf();

            Assert.Equal(first, second);
            string file = await File.ReadAllTextAsync(path);
            Assert.Contains(first, file, StringComparison.Ordinal);
            Assert.DoesNotContain("\"sk_", file, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
