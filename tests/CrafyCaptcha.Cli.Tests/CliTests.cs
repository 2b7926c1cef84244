using System.Text.Json.Nodes;

namespace CrafyCaptcha.Cli.Tests;

/// <summary>The <c>crafy</c> tool run as a real process through its entry point.</summary>
public sealed class CliTests
{
    private static readonly string Secret = Vectors.SecretKey("k1");

    [Fact]
    public async Task Keys_new_prints_a_complete_credential_set_with_env_lines_the_code_reads()
    {
        CliResult r = await Crafy("keys", "new", "--domain", "www.example.com", "--engine-url", "https://captcha.example.com/crafy");

        Assert.Equal(0, r.ExitCode);
        Dictionary<string, string> env = r.Output.Split('\n')
            .Where(l => l.StartsWith("CRAFY_", StringComparison.Ordinal) || l.StartsWith("Crafy", StringComparison.Ordinal))
            .Select(l => l.Trim().Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);
        const string Engine = "CrafyChallengeServer__Credentials__0__";
        Assert.Matches("^pk_[0-9a-f]{32}$", env["CRAFY_PUBLIC_KEY"]);
        Assert.Matches("^sk_[0-9a-f]{64}$", env["CRAFY_SECRET_KEY"]);
        Assert.Equal("https://captcha.example.com/crafy/api", env["CrafyCaptcha__ApiBaseUrl"]);
        Assert.Equal(env["CRAFY_PUBLIC_KEY"], env[Engine + "PublicKey"]);
        Assert.Equal(env["CRAFY_SECRET_KEY"], env[Engine + "SecretKey"]);
        Assert.Matches("^pt_[0-9a-f]{32}$", env[Engine + "PublicToken"]);
        Assert.Equal("www.example.com", env[Engine + "Domains__0"]);
        Assert.Equal("false", env["CrafyChallengeServer__UseDevelopmentCredential"]);

        // The signing pair is a real Ed25519 pair: the private seed derives the printed public key.
        byte[] seed = Convert.FromBase64String(env[Engine + "SigningPrivateKey"]);
        using NSec.Cryptography.Key signing = NSec.Cryptography.Key.Import(NSec.Cryptography.SignatureAlgorithm.Ed25519, seed, NSec.Cryptography.KeyBlobFormat.RawPrivateKey);
        Assert.Equal(env["CRAFY_SIGNING_PUBLIC_KEY"], Convert.ToBase64String(signing.PublicKey.Export(NSec.Cryptography.KeyBlobFormat.RawPublicKey)));

        // No variable that nothing reads (the engine's private key lives only in the engine's section).
        Assert.DoesNotContain("CRAFY_SIGNING_PRIVATE_KEY", r.Output, StringComparison.Ordinal);
        Assert.Contains("\"PublicToken\": \"" + env[Engine + "PublicToken"] + "\"", r.Output, StringComparison.Ordinal);
        Assert.NotEqual(env["CRAFY_SECRET_KEY"], (await Crafy("keys", "new")).Output.Split('\n').Single(l => l.StartsWith("CRAFY_SECRET_KEY", StringComparison.Ordinal)).Split('=')[1].Trim());
    }

    [Fact]
    public async Task Keys_new_json_is_machine_readable_and_names_the_configuration_sections()
    {
        CliResult r = await Crafy("keys", "new", "--format", "json");

        Assert.Equal(0, r.ExitCode);
        JsonObject json = JsonNode.Parse(r.Output)!.AsObject();
        Assert.Equal((string)json["publicKey"]!, (string)json["site"]!["CrafyCaptcha"]!["PublicKey"]!);
        Assert.Equal((string)json["publicToken"]!, (string)json["engine"]!["CrafyChallengeServer"]!["Credentials"]![0]!["PublicToken"]!);
        Assert.Equal("http://localhost:5090/crafy/api", (string)json["site"]!["CrafyCaptcha"]!["ApiBaseUrl"]!);
    }

    [Fact]
    public async Task Flow_create_then_open_round_trips_the_options()
    {
        CliResult created = await Crafy("flow", "create", "--secret-key", Secret, "--options", "{\"mode\":\"puzzle\",\"puzzles\":[\"slider\"]}");
        Assert.Equal(0, created.ExitCode);
        string eo = created.Output.Trim();
        string nonce = created.Error.Trim()["nonce: ".Length..];

        CliResult opened = await Crafy("flow", "open", "--secret-key", Secret, eo);

        Assert.Equal(0, opened.ExitCode);
        JsonObject json = JsonNode.Parse(opened.Output)!.AsObject();
        Assert.Equal("puzzle", (string)json["mode"]!);
        Assert.Equal(nonce, (string)json["nonce"]!);
    }

    [Fact]
    public async Task Flow_open_reads_the_official_legacy_formats_and_takes_the_secret_from_the_environment()
    {
        string v1 = (string)Vectors.Case("v1", "k1/hello")["eo"]!;

        CliResult opened = await Crafy(["flow", "open", v1], new() { ["CRAFY_SECRET_KEY"] = Secret });

        Assert.Equal(0, opened.ExitCode);
        Assert.Equal("hello", opened.Output.Trim());
    }

    [Fact]
    public async Task Token_inspect_prints_payload_and_checks_and_consumes_nothing()
    {
        JsonObject vector = Vectors.Case("tokens", "valid_k1");

        CliResult r = await Crafy("token", "inspect", "--secret-key", Secret, (string)vector["token"]!);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("\"status\": \"success\"", r.Output, StringComparison.Ordinal);
        Assert.Contains("3 HMAC-SHA256 signature: ok", r.Output, StringComparison.Ordinal);
        Assert.Contains($"Nonce: {(string)vector["prestore_nonces"]![0]!}", r.Output, StringComparison.Ordinal);

        CliResult forged = await Crafy("token", "inspect", "--secret-key", Vectors.SecretKey("k2"), (string)vector["token"]!);
        Assert.Equal(1, forged.ExitCode);
        Assert.Contains("3 HMAC-SHA256 signature: FAILED: BadSignature", forged.Output, StringComparison.Ordinal);
        Assert.Contains("5 status is success: not run", forged.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_verify_exits_zero_only_for_a_valid_token_with_its_nonce()
    {
        JsonObject vector = Vectors.Case("tokens", "valid_k1");
        string token = (string)vector["token"]!;

        CliResult valid = await Crafy("token", "verify", "--secret-key", Secret, "--nonce", (string)vector["prestore_nonces"]![0]!, token);
        CliResult otherNonce = await Crafy("token", "verify", "--secret-key", Secret, "--nonce", Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), token);
        CliResult expired = await Crafy("token", "verify", "--secret-key", Secret, "--nonce", (string)Vectors.Case("tokens", "expired")["prestore_nonces"]![0]!, (string)Vectors.Case("tokens", "expired")["token"]!);

        Assert.Equal(0, valid.ExitCode);
        Assert.StartsWith("valid", valid.Output, StringComparison.Ordinal);
        Assert.Equal(1, otherNonce.ExitCode);
        Assert.Contains("NonceNotFound", otherNonce.Output, StringComparison.Ordinal);
        Assert.Equal(1, expired.ExitCode);
        Assert.Contains("Expired", expired.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("flow", "create", "--secret-key", "sk_x", "--options", "{not json")]
    [InlineData("flow", "create", "--secret-key", "sk_x", "--options", "[1,2]")]
    [InlineData("flow", "open", "--secret-key", "sk_x", "garbage")]
    [InlineData("token", "verify", "--secret-key", "sk_x", "--nonce", "XYZ", "token")]
    [InlineData("token", "verify", "--secret-key", "sk_x", "token")]
    [InlineData("token", "inspect", "token")]
    [InlineData("no-such-command")]
    [InlineData("keys", "new", "--format", "xml")]
    [InlineData("keys", "new", "--engine-url", "not a url")]
    [InlineData("keys", "new", "--domain", "https://www.example.com/")]
    public async Task Bad_input_gives_a_one_line_error_and_exit_code_2(params string[] args)
    {
        CliResult r = await Crafy(args, new() { ["CRAFY_SECRET_KEY"] = null });

        Assert.Equal(2, r.ExitCode);
        string[] lines = r.Error.Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("crafy: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal);
    }

    private static Task<CliResult> Crafy(params string[] args) => Crafy(args, []);

    private static Task<CliResult> Crafy(string[] args, Dictionary<string, string?> environment)
        => CrafyTool.RunAsync(Path.Combine(AppContext.BaseDirectory, "CrafyCaptcha.Cli.dll"), args, environment);
}
