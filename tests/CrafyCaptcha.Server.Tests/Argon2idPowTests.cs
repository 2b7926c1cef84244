using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using NSec.Cryptography;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// <c>CrafyChallengeServer:Pow:Algorithm=ARGON2ID</c>: the challenge is ALTCHA PoW v2's (Argon2id, deterministic effort),
/// solved here by an independent native solver (libsodium through NSec, the ALTCHA password layout), and attacked over
/// plain HTTP: a wrong key, a key with the right prefix and a made-up tail, forged parameters, the other algorithm's
/// name, another flow's part and a replay are refused with the engine's stable codes.
/// </summary>
public sealed class Argon2idPowTests
{
    private static readonly Dictionary<string, string?> Argon2idSettings = new() { ["CrafyChallengeServer:Pow:Algorithm"] = "argon2id" }; // case-insensitive

    private static async Task<(EngineApp App, ChallengePage Challenge)> OpenAsync(EngineApp? app = null)
    {
        app ??= new EngineApp(settings: Argon2idSettings);
        PageInit page = await app.OpenPageAsync("/Comments");
        ChallengePage challenge = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "comments"))).Content.ReadAsStringAsync());
        return (app, challenge);
    }

    /// <summary>A native solver of one ALTCHA PoW v2 Argon2id challenge: counters from 0 until the key starts with keyPrefix.</summary>
    internal static (int Counter, string DerivedKey) Solve(JsonObject pow)
    {
        JsonObject p = JsonNode.Parse((string)pow["challenge"]!)!.AsObject();
        byte[] nonce = Convert.FromHexString((string)p["nonce"]!), salt = Convert.FromHexString((string)p["salt"]!);
        string prefix = (string)p["keyPrefix"]!;
        var argon2id = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = (int)p["memoryCost"]!, NumberOfPasses = (int)p["cost"]! });
        byte[] password = [.. nonce, 0, 0, 0, 0];
        byte[] key = new byte[(int)p["keyLength"]!];
        for (int counter = 0; counter <= (int)pow["maxnumber"]!; counter++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(password.AsSpan(nonce.Length), (uint)counter);
            argon2id.DeriveBytes(password, salt, key);
            string hex = Convert.ToHexStringLower(key);
            if (hex.StartsWith(prefix, StringComparison.Ordinal))
            {
                return (counter, hex);
            }
        }

        throw new InvalidOperationException("no counter in range gives the prefix");
    }

    private static JsonObject Solution(JsonObject pow, string? derivedKey = null, int? counter = null)
    {
        (int n, string key) = derivedKey is null ? Solve(pow) : (counter ?? 0, derivedKey);
        return new JsonObject { ["algorithm"] = (string)pow["algorithm"]!, ["challenge"] = (string)pow["challenge"]!, ["number"] = n, ["signature"] = (string)pow["signature"]!, ["derivedKey"] = key };
    }

    private static JsonObject Answer(ChallengePage challenge, JsonObject? first = null, JsonArray? parts = null)
        => new()
        {
            ["flow_token"] = challenge.FlowToken,
            ["pow"] = first ?? Solution(challenge.Pow),
            ["pow_parts"] = parts ?? (challenge.Pow["parts"] is JsonArray all ? new JsonArray([.. all.Select(p => (JsonNode)Solution(p!.AsObject()))]) : null),
        };

    private static Task<(HttpStatusCode Status, string? Error)> PostAsync(EngineApp app, JsonObject body) => PowPartsTests.PostAsync(app, body);

    [Fact]
    public async Task The_challenge_is_an_ALTCHA_v2_Argon2id_challenge_bound_to_its_flow_and_a_native_answer_earns_a_token_once()
    {
        (EngineApp app, ChallengePage challenge) = await OpenAsync();
        using (app)
        {
            Assert.Equal("ARGON2ID", (string)challenge.Pow["algorithm"]!);
            Assert.Null(challenge.Pow["salt"]);
            string text = (string)challenge.Pow["challenge"]!;
            JsonObject p = JsonNode.Parse(text)!.AsObject();
            // ALTCHA's parameters, keys sorted (its canonical JSON), deterministic mode: keyPrefix is half the key, and
            // keySignature lets the engine check the whole key without deriving it again.
            string[] names = [.. p.Select(kv => kv.Key)];
            Assert.Equal(names.Order(StringComparer.Ordinal), names);
            Assert.Equal(["algorithm", "cost", "data", "expiresAt", "keyLength", "keyPrefix", "keySignature", "memoryCost", "nonce", "parallelism", "salt"], names);
            Assert.Equal("ARGON2ID", (string)p["algorithm"]!);
            Assert.Equal(32, (int)p["keyLength"]!);
            Assert.Equal(32, ((string)p["keyPrefix"]!).Length);
            Assert.Matches("^[0-9a-f]{32}$", (string)p["nonce"]!);
            Assert.Matches("^[0-9a-f]{32}$", (string)p["salt"]!);
            Assert.Equal(challenge.FlowToken, (string)p["data"]!["flow"]!);
            Assert.Equal(text, p.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

            JsonObject answer = Answer(challenge);
            Assert.Equal((HttpStatusCode.OK, null), await PostAsync(app, answer));
            Assert.Equal((HttpStatusCode.Conflict, "pow_replayed"), await PostAsync(app, answer));
        }
    }

    [Theory]
    [InlineData("a wrong key", "pow_wrong_answer")]
    [InlineData("the signed prefix with a made-up tail", "pow_wrong_answer")]
    [InlineData("no key", "pow_wrong_answer")]
    [InlineData("a cheaper memory cost under the same signature", "pow_invalid")]
    [InlineData("a prefix of its own under the same signature", "pow_invalid")]
    [InlineData("named SHA-256", "pow_invalid")]
    public async Task A_wrong_or_forged_answer_is_refused_and_the_flow_still_takes_the_right_one(string attack, string code)
    {
        (EngineApp app, ChallengePage challenge) = await OpenAsync();
        using (app)
        {
            JsonObject pow = challenge.Pow;
            JsonObject p = JsonNode.Parse((string)pow["challenge"]!)!.AsObject();
            (int counter, string key) = Solve(pow);
            JsonObject first = attack switch
            {
                "a wrong key" => Solution(pow, key[..^2] + (key[^2..] == "00" ? "01" : "00"), counter),
                "the signed prefix with a made-up tail" => Solution(pow, (string)p["keyPrefix"]! + new string('a', 32), counter),
                "no key" => Solution(pow, string.Empty, counter),
                "a cheaper memory cost under the same signature" => Forged(pow, p, "memoryCost", 1024, key, counter),
                "a prefix of its own under the same signature" => Forged(pow, p, "keyPrefix", new string('0', 32), new string('0', 64), counter),
                _ => Solution(pow, key, counter),
            };
            if (attack == "no key")
            {
                first.Remove("derivedKey");
            }

            if (attack == "named SHA-256")
            {
                first["algorithm"] = "SHA-256";
                first["salt"] = "00?expires=9999999999&flow=" + challenge.FlowToken + "&pk=x";
            }

            Assert.Equal((HttpStatusCode.BadRequest, code), await PostAsync(app, Answer(challenge, first)));
            Assert.Equal((HttpStatusCode.OK, null), await PostAsync(app, Answer(challenge, Solution(pow, key, counter))));
        }
    }

    private static JsonObject Forged(JsonObject pow, JsonObject p, string name, JsonNode value, string key, int counter)
    {
        JsonObject forged = p.DeepClone().AsObject();
        forged[name] = value.DeepClone();
        JsonObject solution = Solution(pow, key, counter);
        solution["challenge"] = forged.ToJsonString();
        return solution;
    }

    [Fact]
    public async Task A_part_from_another_flow_is_refused()
    {
        (EngineApp app, ChallengePage challenge) = await OpenAsync();
        using (app)
        {
            (_, ChallengePage other) = await OpenAsync(app);
            Assert.Equal(2, 1 + challenge.Pow["parts"]!.AsArray().Count); // Argon2Parts, 2 by default
            JsonArray borrowed = [Solution(other.Pow["parts"]![0]!.AsObject())];
            Assert.Equal((HttpStatusCode.BadRequest, "pow_other_flow"), await PostAsync(app, Answer(challenge, parts: borrowed)));
            Assert.Equal((HttpStatusCode.BadRequest, "pow_incomplete"), await PostAsync(app, Answer(challenge, parts: [])));
        }
    }

    [Theory]
    [InlineData("CrafyChallengeServer:Pow:Algorithm", "MD5", "CrafyChallengeServer:Pow:Algorithm must be SHA-256 or ARGON2ID (case-insensitive); it is 'MD5'.")]
    [InlineData("CrafyChallengeServer:Pow:Argon2MemoryKiB", "512", "CrafyChallengeServer:Pow:Argon2MemoryKiB must be between 1024 and 262144; it is 512.")]
    [InlineData("CrafyChallengeServer:Pow:Argon2Iterations", "0", "CrafyChallengeServer:Pow:Argon2Iterations must be between 1 and 10; it is 0.")]
    [InlineData("CrafyChallengeServer:Pow:Argon2MaxCounter", "0", "CrafyChallengeServer:Pow:Argon2MaxCounter must be between 1 and 100000; it is 0.")]
    [InlineData("CrafyChallengeServer:Pow:Argon2Parts", "17", "CrafyChallengeServer:Pow:Argon2Parts must be between 1 and 16; it is 17.")]
    [InlineData("CrafyChallengeServer:Pow:AlgorithmByStep:connect", "scrypt", "CrafyChallengeServer:Pow:AlgorithmByStep:connect must be SHA-256 or ARGON2ID (case-insensitive); it is 'scrypt'.")]
    [InlineData("CrafyChallengeServer:Pow:AlgorithmByStep:puzzle", "ARGON2ID", "CrafyChallengeServer:Pow:AlgorithmByStep has the key 'puzzle'; the rungs are invisible, checkbox, slider and connect.")]
    public async Task A_bad_proof_of_work_setting_stops_the_start_with_a_message_naming_it(string key, string value, string message)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.Services.AddCrafyChallengeServer(o => o.UseDevelopmentCredential = false);
        await using WebApplication app = builder.Build();

        Exception? error = await Record.ExceptionAsync(() => app.StartAsync());

        Assert.NotNull(error);
        IEnumerable<Exception> all = error is AggregateException many ? many.InnerExceptions : [error];
        Assert.Contains(all, e => e is OptionsValidationException && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("global SHA-256, the invisible rung's ARGON2ID", "comments", "ARGON2ID")]
    [InlineData("global SHA-256, the checkbox rung's ARGON2ID", "comments", "SHA-256")]
    [InlineData("global SHA-256, the policy's ARGON2ID", "comments", "ARGON2ID")]
    [InlineData("global ARGON2ID, the policy's SHA-256 before the rung's ARGON2ID", "comments", "SHA-256")]
    public async Task The_algorithm_is_the_policys_then_the_rungs_then_the_engines(string setting, string policy, string served)
    {
        var settings = new Dictionary<string, string?>();
        string? policyAlgorithm = null;
        switch (setting)
        {
            case "global SHA-256, the invisible rung's ARGON2ID":
                settings["CrafyChallengeServer:Pow:AlgorithmByStep:invisible"] = "argon2id";
                break;
            case "global SHA-256, the checkbox rung's ARGON2ID":
                settings["CrafyChallengeServer:Pow:AlgorithmByStep:Checkbox"] = "ARGON2ID"; // the comment form's flow is invisible
                break;
            case "global SHA-256, the policy's ARGON2ID":
                policyAlgorithm = "argon2id";
                break;
            default:
                settings["CrafyChallengeServer:Pow:Algorithm"] = "ARGON2ID";
                settings["CrafyChallengeServer:Pow:AlgorithmByStep:invisible"] = "ARGON2ID";
                policyAlgorithm = "SHA-256";
                break;
        }

        using var app = new EngineApp(settings: settings, services: s => s.PostConfigure<CrafyCaptcha.AspNetCore.CrafyCaptchaHttpOptions>(o => o.AddPolicy(policy, p =>
        {
            p.Mode = FlowMode.Hidden;
            p.PowAlgorithm = policyAlgorithm;
        })));
        (_, ChallengePage challenge) = await OpenAsync(app);
        Assert.Equal(served, (string)challenge.Pow["algorithm"]!);

        // Whichever it is, a native answer in that algorithm earns the token.
        (HttpStatusCode status, string? error) = await PostAsync(app, served == "ARGON2ID" ? Answer(challenge) : new JsonObject
        {
            ["flow_token"] = challenge.FlowToken,
            ["pow"] = new JsonObject { ["algorithm"] = "SHA-256", ["challenge"] = (string)challenge.Pow["challenge"]!, ["number"] = EngineApp.Solve(challenge.Pow), ["salt"] = (string)challenge.Pow["salt"]!, ["signature"] = (string)challenge.Pow["signature"]! },
            ["pow_parts"] = EngineApp.SolveParts(challenge.Pow),
        });
        Assert.True(status == HttpStatusCode.OK, $"{status} {error}");
    }

    [Fact]
    public async Task A_policy_naming_an_unknown_algorithm_stops_the_start()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Services.AddCrafyCaptcha().AddFlowPolicy("login", p => p.PowAlgorithm = "scrypt");
        await using WebApplication app = builder.Build();

        Exception? error = await Record.ExceptionAsync(() => app.StartAsync());

        Assert.Contains("The CrafyCaptcha policy 'login' has PowAlgorithm 'scrypt': it must be SHA-256 or ARGON2ID", error?.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sha-256", "SHA-256")]
    [InlineData("Argon2id", "ARGON2ID")]
    public async Task The_algorithm_name_is_case_insensitive_and_only_Argon2id_pages_allow_WebAssembly(string configured, string served)
    {
        using var app = new EngineApp(settings: new Dictionary<string, string?> { ["CrafyChallengeServer:Pow:Algorithm"] = configured });
        PageInit page = await app.OpenPageAsync("/Comments");
        HttpResponseMessage response = await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "comments"));
        ChallengePage challenge = EngineApp.ReadChallenge(await response.Content.ReadAsStringAsync());

        Assert.Equal(served, (string)challenge.Pow["algorithm"]!);
        string csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Equal(served == "ARGON2ID", csp.Contains("'wasm-unsafe-eval'", StringComparison.Ordinal));
        Assert.DoesNotContain("'unsafe-eval'", csp, StringComparison.Ordinal);
    }
}

/// <summary>The sample with <c>CrafyChallengeServer:Pow:Algorithm=ARGON2ID</c>.</summary>
public sealed class Argon2idBrowserFixture : BrowserFixture
{
    protected override void Configure(IDictionary<string, string?> settings) => settings["CrafyChallengeServer:Pow:Algorithm"] = "ARGON2ID";
}

/// <summary>A person's chromium passes invisibly with the Argon2id proof-of-work, solved by hash-wasm's WebAssembly in the worker.</summary>
[Collection("Browser")]
public sealed class Argon2idBrowserTests(Argon2idBrowserFixture fixture) : IClassFixture<Argon2idBrowserFixture>
{
    [Fact]
    public async Task The_invisible_pass_does_Argon2id_work_in_WebAssembly_and_earns_a_token()
    {
        IPage page = await fixture.NewPageAsync();
        string? csp = null;
        JsonObject? sent = null;
        page.Response += (_, response) =>
        {
            if (response.Request.Method == "POST" && response.Request.ResourceType == "document" && response.Url.Contains("/crafy/challenge", StringComparison.Ordinal))
            {
                response.Headers.TryGetValue("content-security-policy", out csp);
            }
        };
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.EndsWith("/verify", StringComparison.Ordinal) && request.PostData is { } body)
            {
                sent = JsonNode.Parse(body)!.AsObject();
            }
        };

        await page.GotoAsync("/Comments");
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('input[name=\"CrafyCAPTCHA_token\"]'); return !!i && i.value.length > 100; }", null, new PageWaitForFunctionOptions { Timeout = 30_000 });

        Assert.Contains("'wasm-unsafe-eval'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("'unsafe-eval'", csp!.Replace("'wasm-unsafe-eval'", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.NotNull(sent);
        JsonObject pow = sent!["pow"]!.AsObject();
        Assert.Equal("ARGON2ID", (string)pow["algorithm"]!);
        // The browser's key is the one libsodium derives for its counter: its WebAssembly did the Argon2id work.
        JsonObject p = JsonNode.Parse((string)pow["challenge"]!)!.AsObject();
        byte[] password = [.. Convert.FromHexString((string)p["nonce"]!), 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32BigEndian(password.AsSpan(16), (uint)(int)pow["number"]!);
        byte[] key = new byte[32];
        PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = (int)p["memoryCost"]!, NumberOfPasses = (int)p["cost"]! })
            .DeriveBytes(password, Convert.FromHexString((string)p["salt"]!), key);
        Assert.Equal(Convert.ToHexStringLower(key), (string)pow["derivedKey"]!);
        Assert.Equal("Verified", await page.Locator("#crafy-captcha-1 .crafy-status").TextContentAsync());
    }
}
