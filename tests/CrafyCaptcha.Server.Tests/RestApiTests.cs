using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CrafyCaptcha.Server.Credentials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The REST API over HTTP as a script would call it: <c>authenticate</c> answers a JWT bearer; <c>check_flow</c> takes a
/// completed flow once; forged, altered, expired and other credentials' bearers get 401; plan limits answer 429.
/// </summary>
public sealed class RestApiTests
{
    [Fact]
    public async Task Authenticate_answers_a_jwt_with_the_public_key_the_plan_and_an_hour_of_life()
    {
        using var app = new EngineApp();
        CrafyCaptchaOptions sdk = RestApi.SdkKeys(app);

        JsonObject data = await RestApi.AuthenticateAsync(app.Client, sdk.PublicKey!, sdk.SecretKey!);

        var jwt = new JsonWebToken((string)data["token"]!);
        Assert.Equal("HS256", jwt.Alg);
        Assert.Equal(sdk.PublicKey, jwt.GetPayloadValue<string>("pk"));
        Assert.Equal("scale", jwt.GetPayloadValue<string>("plan")); // the development credential's plan
        Assert.Equal(TimeSpan.FromHours(1), jwt.ValidTo - jwt.IssuedAt);
        Assert.Equal(3600, (int)data["expires_in"]!);
        Assert.StartsWith("pt_", (string)data["public_token"]!, StringComparison.Ordinal);
        Assert.DoesNotContain(sdk.SecretKey!, Encoding.UTF8.GetString(Base64Url.DecodeFromChars(jwt.EncodedPayload)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_credential_without_a_plan_is_on_starter_and_its_bearer_says_so()
    {
        ChallengeCredential starter = RestApi.NewCredential();
        ChallengeCredential growth = RestApi.NewCredential();
        using var app = new EngineApp(settings: RestApi.Credentials((starter, null), (growth, "Growth")));

        JsonObject a = await RestApi.AuthenticateAsync(app.Client, starter.PublicKey, starter.SecretKey);
        JsonObject b = await RestApi.AuthenticateAsync(app.Client, growth.PublicKey, growth.SecretKey);

        Assert.Equal("starter", new JsonWebToken((string)a["token"]!).GetPayloadValue<string>("plan"));
        Assert.Equal("growth", new JsonWebToken((string)b["token"]!).GetPayloadValue<string>("plan"));
        Assert.Equal(starter.PublicToken, (string)a["public_token"]!);
    }

    [Fact]
    public void An_unknown_plan_stops_the_engine_at_start_up()
    {
        ChallengeCredential credential = RestApi.NewCredential();

        Exception error = Assert.ThrowsAny<Exception>(() => new EngineApp(settings: RestApi.Credentials((credential, "platinum"))).Dispose());

        Assert.Contains("Plan must be starter, growth or scale", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_flow_consumes_a_completed_flow_once()
    {
        using var app = new EngineApp();
        CrafyCaptchaOptions sdk = RestApi.SdkKeys(app);
        (string flowToken, double risk) = await RestApi.CompleteFlowAsync(app);
        string bearer = (string)(await RestApi.AuthenticateAsync(app.Client, sdk.PublicKey!, sdk.SecretKey!))["token"]!;

        HttpResponseMessage first = await RestApi.CheckFlowAsync(app.Client, bearer, flowToken);
        HttpResponseMessage second = await RestApi.CheckFlowAsync(app.Client, bearer, flowToken);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        JsonObject ok = (await first.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("success", (string)ok["status"]!);
        Assert.True((bool)ok["data"]!["valid"]!);
        Assert.Equal(risk, (double)ok["data"]!["risk_score"]!);
        Assert.Equal("Flow consumed atomically", (string)ok["data"]!["message"]!);
        await RestApi.AssertErrorAsync(second, HttpStatusCode.BadRequest, "already used");
    }

    [Fact]
    public async Task Check_flow_refuses_unknown_unfinished_and_expired_flows()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new EngineApp(clock);
        CrafyCaptchaOptions sdk = RestApi.SdkKeys(app);
        PageInit page = await app.OpenPageAsync("/Comments");
        ChallengePage unfinished = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "comments"))).Content.ReadAsStringAsync());
        (string expiring, _) = await RestApi.CompleteFlowAsync(app, clock);
        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1)); // the token's lifetime
        string bearer = (string)(await RestApi.AuthenticateAsync(app.Client, sdk.PublicKey!, sdk.SecretKey!))["token"]!;

        await RestApi.AssertErrorAsync(await RestApi.CheckFlowAsync(app.Client, bearer, Guid.NewGuid().ToString()), HttpStatusCode.BadRequest, "Invalid flow token");
        await RestApi.AssertErrorAsync(await RestApi.CheckFlowAsync(app.Client, bearer, unfinished.FlowToken), HttpStatusCode.BadRequest, "Invalid flow token");
        await RestApi.AssertErrorAsync(await RestApi.CheckFlowAsync(app.Client, bearer, expiring), HttpStatusCode.BadRequest, "Invalid flow token");
        await RestApi.AssertErrorAsync(await RestApi.CheckFlowAsync(app.Client, bearer, null), HttpStatusCode.BadRequest, "flow_token");
    }

    [Fact]
    public async Task Many_concurrent_check_flow_calls_get_exactly_one_valid()
    {
        using var app = new EngineApp();
        CrafyCaptchaOptions sdk = RestApi.SdkKeys(app);
        (string flowToken, _) = await RestApi.CompleteFlowAsync(app);
        string bearer = (string)(await RestApi.AuthenticateAsync(app.Client, sdk.PublicKey!, sdk.SecretKey!))["token"]!;

        using var start = new ManualResetEventSlim();
        Task<HttpResponseMessage>[] calls = [.. Enumerable.Range(0, 32).Select(_ => Task.Run(() => { start.Wait(); return RestApi.CheckFlowAsync(app.Client, bearer, flowToken); }))];
        start.Set();
        HttpResponseMessage[] answers = await Task.WhenAll(calls);

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.BadRequest, a.StatusCode));
    }

    [Fact]
    public async Task Forged_altered_unsigned_and_expired_bearers_get_401_and_consume_nothing()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new EngineApp(clock);
        CrafyCaptchaOptions sdk = RestApi.SdkKeys(app);
        (string flowToken, _) = await RestApi.CompleteFlowAsync(app, clock);
        string bearer = (string)(await RestApi.AuthenticateAsync(app.Client, sdk.PublicKey!, sdk.SecretKey!))["token"]!;
        var claims = new Dictionary<string, object> { ["pk"] = sdk.PublicKey!, ["plan"] = "scale" };
        string[] parts = bearer.Split('.');
        JsonObject payload = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
        payload["plan"] = "growth";

        string altered = parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString())) + "." + parts[2];
        string unsigned = Base64Url.EncodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}"u8) + "." + parts[1] + ".";
        string signedWithSiteSecret = Forge(claims, clock, new SymmetricSecurityKey(Encoding.UTF8.GetBytes(sdk.SecretKey!)));
        string signedWithRandomKey = Forge(claims, clock, new SymmetricSecurityKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));

        foreach (string? forged in new[] { null, "", "not-a-jwt", altered, unsigned, signedWithSiteSecret, signedWithRandomKey, parts[0] + "." + parts[1] })
        {
            HttpResponseMessage refused = await RestApi.CheckFlowAsync(app.Client, forged, flowToken);
            await RestApi.AssertErrorAsync(refused, HttpStatusCode.Unauthorized, "Invalid or expired token");
            Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
        }

        clock.Advance(TimeSpan.FromSeconds(3600));
        await RestApi.AssertErrorAsync(await RestApi.CheckFlowAsync(app.Client, bearer, flowToken), HttpStatusCode.Unauthorized, "Invalid or expired token");
    }

    [Fact]
    public async Task Another_credentials_bearer_can_neither_pose_as_this_one_nor_take_its_flow()
    {
        ChallengeCredential other = RestApi.NewCredential();
        using var app = new EngineApp(settings: RestApi.Credentials((other, "scale")));
        CrafyCaptchaOptions sdk = RestApi.SdkKeys(app);
        (string flowToken, _) = await RestApi.CompleteFlowAsync(app);
        string otherBearer = (string)(await RestApi.AuthenticateAsync(app.Client, other.PublicKey, other.SecretKey))["token"]!;
        using var otherServed = new ServedCredential(other);
        string posing = Forge(new Dictionary<string, object> { ["pk"] = sdk.PublicKey!, ["plan"] = "scale" }, TimeProvider.System, otherServed.BearerKey);

        await RestApi.AssertErrorAsync(await RestApi.CheckFlowAsync(app.Client, posing, flowToken), HttpStatusCode.Unauthorized, "Invalid or expired token");
        await RestApi.AssertErrorAsync(await RestApi.CheckFlowAsync(app.Client, otherBearer, flowToken), HttpStatusCode.BadRequest, "Invalid flow token");

        await Task.Delay(1100); // authenticate: 2 per second per client address
        string bearer = (string)(await RestApi.AuthenticateAsync(app.Client, sdk.PublicKey!, sdk.SecretKey!))["token"]!;
        Assert.Equal(HttpStatusCode.OK, (await RestApi.CheckFlowAsync(app.Client, bearer, flowToken)).StatusCode);
    }

    [Fact]
    public async Task Starter_allows_2_calls_a_second_and_8_a_minute_then_429_with_retry_after()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        ChallengeCredential starter = RestApi.NewCredential();
        using var app = new EngineApp(clock, settings: RestApi.Credentials((starter, "starter")));
        string bearer = (string)(await RestApi.AuthenticateAsync(app.Client, starter.PublicKey, starter.SecretKey))["token"]!;

        for (int second = 0; second < 4; second++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await RestApi.CheckFlowAsync(app.Client, bearer, "x")).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await RestApi.CheckFlowAsync(app.Client, bearer, "x")).StatusCode);
            HttpResponseMessage burst = await RestApi.CheckFlowAsync(app.Client, bearer, "x");
            await RestApi.AssertErrorAsync(burst, HttpStatusCode.TooManyRequests, "Too many requests");
            Assert.Equal(TimeSpan.FromSeconds(1), burst.Headers.RetryAfter!.Delta);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        clock.Advance(TimeSpan.FromSeconds(6)); // 12:00:10
        HttpResponseMessage minute = await RestApi.CheckFlowAsync(app.Client, bearer, "x");
        await RestApi.AssertErrorAsync(minute, HttpStatusCode.TooManyRequests, "Too many requests");
        Assert.Equal(TimeSpan.FromSeconds(50), minute.Headers.RetryAfter!.Delta);

        clock.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(HttpStatusCode.BadRequest, (await RestApi.CheckFlowAsync(app.Client, bearer, "x")).StatusCode);
    }

    [Fact]
    public async Task Growth_allows_a_burst_of_20_and_counts_per_credential()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        ChallengeCredential growth = RestApi.NewCredential();
        ChallengeCredential starter = RestApi.NewCredential();
        using var app = new EngineApp(clock, settings: RestApi.Credentials((growth, "growth"), (starter, "starter")));
        string growthBearer = (string)(await RestApi.AuthenticateAsync(app.Client, growth.PublicKey, growth.SecretKey))["token"]!;
        string starterBearer = (string)(await RestApi.AuthenticateAsync(app.Client, starter.PublicKey, starter.SecretKey))["token"]!;

        HttpStatusCode[] statuses = [.. await Task.WhenAll(Enumerable.Range(0, 21).Select(async _ => (await RestApi.CheckFlowAsync(app.Client, growthBearer, "x")).StatusCode))];

        Assert.Equal(20, statuses.Count(s => s == HttpStatusCode.BadRequest));
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.BadRequest, (await RestApi.CheckFlowAsync(app.Client, starterBearer, "x")).StatusCode); // its own count
    }

    [Fact]
    public async Task An_unknown_action_is_an_error_envelope()
        => await RestApi.AssertErrorAsync(await new EngineApp().Client.PostAsJsonAsync(RestApi.Path + "?action=create_flow", new { }), HttpStatusCode.BadRequest, "Unknown action");

    private static string Forge(Dictionary<string, object> claims, TimeProvider clock, SecurityKey key)
    {
        DateTime now = clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "crafycaptcha-engine",
            Audience = "crafycaptcha-api",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }
}
