using System.Buffers;
using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Protocol;
using CrafyCaptcha.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.Cli;

/// <summary>The <c>crafy</c> command line. Exit codes: 0 success or valid, 1 invalid token, 2 bad input.</summary>
internal static class CrafyCommand
{
    public const int Ok = 0;
    public const int Invalid = 1;
    public const int BadInput = 2;

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var secretKey = new Option<string?>("--secret-key", "-s")
        {
            Description = "The Secret Key (default: the CRAFY_SECRET_KEY environment variable).",
        };

        var engineUrl = new Option<string>("--engine-url")
        {
            Description = "The challenge engine's public base address including its mount path; the site's ApiBaseUrl is this + /api.",
            DefaultValueFactory = _ => KeysNew.DefaultEngineUrl,
        };
        var domains = new Option<string[]>("--domain")
        {
            Description = "A host name allowed to embed the challenge (repeatable; localhost is always allowed).",
            AllowMultipleArgumentsPerToken = false,
        };
        var format = new Option<string>("--format")
        {
            Description = "text (everything, default), json (machine-readable) or env (.env lines only).",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong(KeysNew.Formats);
        var keysNew = new Command("new", "Create a complete credential set: site keys, Ed25519 signing key pair, the engine's public token, appsettings.json blocks and .env lines for the site and the engine.") { engineUrl, domains, format };
        keysNew.SetAction(r => KeysNewAction(r.GetValue(engineUrl)!, r.GetValue(domains) ?? [], r.GetValue(format)!, output));
        var keys = new Command("keys", "Credentials.") { keysNew };

        var optionsJson = new Option<string?>("--options") { Description = "The flow options as a JSON object, e.g. {\"mode\":\"puzzle\"}." };
        var flowCreate = new Command("create", "Create a flow and print its encrypted iframe options (eo); the nonce goes to stderr.") { secretKey, optionsJson };
        flowCreate.SetAction(r => FlowCreate(Secret(r, secretKey), r.GetValue(optionsJson), output, error));

        var eoArgument = new Argument<string>("eo") { Description = "The encrypted iframe options (any version: v3, v2, v1)." };
        var flowOpen = new Command("open", "Print the options JSON inside an eo.") { secretKey, eoArgument };
        flowOpen.SetAction(r => FlowOpen(Secret(r, secretKey), r.GetValue(eoArgument)!, output, error));
        var flow = new Command("flow", "Flows.") { flowCreate, flowOpen };

        var tokenArgument = new Argument<string>("token") { Description = "The captcha token (the CrafyCAPTCHA_token form field)." };
        var tokenInspect = new Command("inspect", "Decode a token and print its payload and every check's outcome; consumes nothing.") { secretKey, tokenArgument };
        tokenInspect.SetAction(r => TokenInspect(Secret(r, secretKey), r.GetValue(tokenArgument)!, output, error));

        var nonceOption = new Option<string>("--nonce") { Description = "The flow nonce (64 hex) to store before verifying.", Required = true };
        var tokenVerify = new Command("verify", "Store the nonce, verify the token; exit code 0 only when valid.") { secretKey, nonceOption, tokenArgument };
        tokenVerify.SetAction((r, ct) => TokenVerifyAsync(Secret(r, secretKey), r.GetValue(nonceOption)!, r.GetValue(tokenArgument)!, output, error, ct));
        var token = new Command("token", "Captcha tokens.") { tokenInspect, tokenVerify };

        var root = new RootCommand("crafy: CrafyCAPTCHA credentials, flows and tokens.") { keys, CredentialsCommand.Create(output), flow, token };
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"crafy: {string.Join(' ', parse.Errors[0].Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}");
            return BadInput;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException ex)
        {
            error.WriteLine($"crafy: {ex.Message}");
            return BadInput;
        }
    }

    private static string Secret(ParseResult result, Option<string?> option)
    {
        string? value = result.GetValue(option);
        if (string.IsNullOrEmpty(value))
        {
            value = Environment.GetEnvironmentVariable("CRAFY_SECRET_KEY");
        }

        return string.IsNullOrEmpty(value)
            ? throw new UsageException("a secret key is required: pass --secret-key or set CRAFY_SECRET_KEY.")
            : value;
    }

    private static int KeysNewAction(string engineUrl, string[] domains, string format, TextWriter output)
    {
        if (!Uri.TryCreate(engineUrl, UriKind.Absolute, out Uri? engine) || engine.Scheme is not ("http" or "https"))
        {
            throw new UsageException("--engine-url must be an absolute http(s) URL, e.g. https://captcha.example.com/crafy.");
        }

        foreach (string domain in domains)
        {
            if (Uri.CheckHostName(domain) is UriHostNameType.Unknown or UriHostNameType.Basic)
            {
                throw new UsageException($"--domain '{domain}' is not a host name (give the host only, e.g. www.example.com).");
            }
        }

        KeysNew.Write(output, format, engine, domains);
        return Ok;
    }

    private static int FlowCreate(string secret, string? optionsText, TextWriter output, TextWriter error)
    {
        JsonObject options;
        try
        {
            options = optionsText is null ? [] : JsonNode.Parse(optionsText) as JsonObject
                ?? throw new UsageException("--options must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"--options is not valid JSON: {ex.Message}");
        }

        string nonce = NonceHex.New();
        var buffer = new ArrayBufferWriter<byte>();
        FlowOptionsWriter.Write(buffer, options, nonce);
        using var box = new SecretBox(secret);
        output.WriteLine(box.Seal(buffer.WrittenSpan));
        error.WriteLine($"nonce: {nonce}");
        return Ok;
    }

    private static int FlowOpen(string secret, string eo, TextWriter output, TextWriter error)
    {
        using var box = new SecretBox(secret);
        if (!box.TryOpen(eo.Trim(), out byte[]? plaintext))
        {
            error.WriteLine("crafy: the value does not open with this secret key (wrong key, altered, or not a CrafyCAPTCHA value).");
            return BadInput;
        }

        output.WriteLine(Encoding.UTF8.GetString(plaintext));
        return Ok;
    }

    private static int TokenInspect(string secret, string token, TextWriter output, TextWriter error)
    {
        using var box = new SecretBox(secret);
        CaptchaTokenInspection check = CaptchaTokenInspection.Inspect(token.Trim(), box, DateTimeOffset.UtcNow);
        if (check.PayloadJson is { } payload)
        {
            output.WriteLine("Payload (signature checked):");
            try
            {
                output.WriteLine(JsonSerializer.Serialize(JsonNode.Parse(payload), Pretty));
            }
            catch (JsonException)
            {
                output.WriteLine(payload);
            }

            output.WriteLine();
        }

        output.WriteLine("Checks:");
        (string Name, FlowFailure[] Failures)[] steps =
        [
            ("1 token present", [FlowFailure.MissingToken, FlowFailure.TokenTooLarge]),
            ("2 envelope (base64 JSON with payload and server_sign)", [FlowFailure.MalformedToken]),
            ("3 HMAC-SHA256 signature", [FlowFailure.BadSignature]),
            ("4 payload is a JSON object", [FlowFailure.MalformedPayload]),
            ("5 status is success", [FlowFailure.BadStatus]),
            ("6 expires_at present, readable, in the future", [FlowFailure.MissingExpiry, FlowFailure.InvalidExpiry, FlowFailure.Expired]),
            ("7 nonce opens with the secret key and is 64 lowercase hex", [FlowFailure.MissingNonce, FlowFailure.UndecryptableNonce, FlowFailure.InvalidNonce]),
        ];
        bool failedEarlier = false;
        foreach ((string name, FlowFailure[] failures) in steps)
        {
            string outcome = failedEarlier ? "not run" : failures.Contains(check.Failure) ? $"FAILED: {check.Failure} ({FlowFailureMessages.Describe(check.Failure)})" : "ok";
            failedEarlier |= failures.Contains(check.Failure);
            output.WriteLine($"  {name}: {outcome}");
        }

        output.WriteLine("  8 context: not checked (inspect has no stored context)");
        output.WriteLine("  9 nonce consumption: not run (inspect consumes nothing)");
        if (check.Nonce is not null)
        {
            output.WriteLine($"Nonce: {check.Nonce}");
        }

        return check.Failure == FlowFailure.None ? Ok : Invalid;
    }

    private static async Task<int> TokenVerifyAsync(string secret, string nonce, string token, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!NonceHex.IsLowercaseHex(Encoding.ASCII.GetBytes(nonce)))
        {
            throw new UsageException("--nonce must be 64 lowercase hex characters.");
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCrafyCaptchaCore(o => o.SecretKey = secret);
        await using ServiceProvider provider = services.BuildServiceProvider();
        await provider.GetRequiredService<INonceStore>().StoreAsync(nonce, null, TimeSpan.FromMinutes(20), cancellationToken);
        FlowVerification result = await provider.GetRequiredService<ICrafyCaptcha>().VerifyFlowAsync(token.Trim(), cancellationToken: cancellationToken);
        if (result.IsValid)
        {
            output.WriteLine($"valid (risk score {result.RiskScore?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, flow {result.FlowToken ?? "none"})");
            return Ok;
        }

        output.WriteLine($"invalid: {result.Failure}: {result.Message}");
        return Invalid;
    }

    internal sealed class UsageException(string message) : Exception(message);
}
