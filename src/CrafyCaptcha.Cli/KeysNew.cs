using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrafyCaptcha.Cli;

/// <summary>
/// <c>crafy keys new</c>: a complete credential set for a site and a self-hosted engine, printed in the
/// configuration names the code reads: the <c>CrafyCaptcha</c> section (or the <c>CRAFY_*</c> variables) for the
/// site, the <c>CrafyChallengeServer</c> section (or its <c>CrafyChallengeServer__…</c> variables) for the engine.
/// </summary>
internal static class KeysNew
{
    public const string DefaultEngineUrl = "http://localhost:5090/crafy";

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly string[] Formats = ["text", "json", "env"];

    /// <summary>Writes a new set; <paramref name="engineUrl"/> is the engine's base address including its mount path.</summary>
    public static void Write(TextWriter output, string format, Uri engineUrl, IReadOnlyList<string> domains)
    {
        Credential c = Credential.Create();
        string apiBaseUrl = engineUrl.ToString().TrimEnd('/') + "/api";
        string iframeUrl = engineUrl.ToString().TrimEnd('/') + "/challenge/";
        JsonObject site = SiteSettings(c, apiBaseUrl, iframeUrl);
        JsonObject engine = EngineSettings(c, domains);
        switch (format)
        {
            case "json":
                output.WriteLine(new JsonObject
                {
                    ["publicKey"] = c.PublicKey,
                    ["secretKey"] = c.SecretKey,
                    ["signingPublicKey"] = c.SigningPublicKey,
                    ["signingPrivateKey"] = c.SigningPrivateKey,
                    ["publicToken"] = c.PublicToken,
                    ["site"] = site,
                    ["engine"] = engine,
                }.ToJsonString(Pretty));
                break;
            case "env":
                WriteEnv(output, c, apiBaseUrl, iframeUrl, domains);
                break;
            default:
                output.WriteLine($"Public key:          {c.PublicKey}");
                output.WriteLine($"Secret key:          {c.SecretKey}");
                output.WriteLine($"Signing public key:  {c.SigningPublicKey}");
                output.WriteLine($"Signing private key: {c.SigningPrivateKey}");
                output.WriteLine($"Public token:        {c.PublicToken}");
                output.WriteLine($"Engine URL:          {engineUrl} (--engine-url)");
                output.WriteLine();
                output.WriteLine("The secret key and the signing private key are shown once: keep them out of source control.");
                output.WriteLine();
                output.WriteLine("# Site: appsettings.json (AddCrafyCaptcha; IframeUrl points the widget at the engine's challenge page)");
                output.WriteLine(site.ToJsonString(Pretty));
                output.WriteLine();
                output.WriteLine("# Engine: appsettings.json (AddCrafyChallengeServer + MapCrafyChallengeServer(\"" + engineUrl.AbsolutePath.TrimEnd('/') + "\"))");
                output.WriteLine(engine.ToJsonString(Pretty));
                output.WriteLine();
                WriteEnv(output, c, apiBaseUrl, iframeUrl, domains);
                break;
        }
    }

    private static JsonObject SiteSettings(Credential c, string apiBaseUrl, string iframeUrl) => new()
    {
        ["CrafyCaptcha"] = new JsonObject
        {
            ["PublicKey"] = c.PublicKey,
            ["SecretKey"] = c.SecretKey,
            ["SigningPublicKey"] = c.SigningPublicKey,
            ["ApiBaseUrl"] = apiBaseUrl,
            ["IframeUrl"] = iframeUrl,
        },
    };

    private static JsonObject EngineSettings(Credential c, IReadOnlyList<string> domains) => new()
    {
        ["CrafyChallengeServer"] = new JsonObject
        {
            ["UseDevelopmentCredential"] = false,
            ["Credentials"] = new JsonArray(new JsonObject
            {
                ["PublicKey"] = c.PublicKey,
                ["SecretKey"] = c.SecretKey,
                ["SigningPrivateKey"] = c.SigningPrivateKey,
                ["PublicToken"] = c.PublicToken,
                ["Plan"] = "starter",
                ["Domains"] = new JsonArray([.. domains.Select(d => (JsonNode)JsonValue.Create(d))]),
            }),
        },
    };

    private static void WriteEnv(TextWriter output, Credential c, string apiBaseUrl, string iframeUrl, IReadOnlyList<string> domains)
    {
        output.WriteLine("# Site: .env");
        output.WriteLine($"CRAFY_PUBLIC_KEY={c.PublicKey}");
        output.WriteLine($"CRAFY_SECRET_KEY={c.SecretKey}");
        output.WriteLine($"CRAFY_SIGNING_PUBLIC_KEY={c.SigningPublicKey}");
        output.WriteLine($"CrafyCaptcha__ApiBaseUrl={apiBaseUrl}");
        output.WriteLine($"CrafyCaptcha__IframeUrl={iframeUrl}");
        output.WriteLine();
        output.WriteLine("# Engine: .env");
        const string Prefix = "CrafyChallengeServer__Credentials__0__";
        output.WriteLine("CrafyChallengeServer__UseDevelopmentCredential=false");
        output.WriteLine($"{Prefix}PublicKey={c.PublicKey}");
        output.WriteLine($"{Prefix}SecretKey={c.SecretKey}");
        output.WriteLine($"{Prefix}SigningPrivateKey={c.SigningPrivateKey}");
        output.WriteLine($"{Prefix}PublicToken={c.PublicToken}");
        output.WriteLine($"{Prefix}Plan=starter");
        for (int i = 0; i < domains.Count; i++)
        {
            output.WriteLine($"{Prefix}Domains__{i}={domains[i]}");
        }
    }

    private sealed record Credential(string PublicKey, string SecretKey, string SigningPublicKey, string SigningPrivateKey, string PublicToken)
    {
        /// <summary>The engine's generator (<see cref="CrafyCaptcha.Server.CredentialGenerator"/>), so every credential is made one way.</summary>
        public static Credential Create()
        {
            CrafyCaptcha.Server.ChallengeCredential c = CrafyCaptcha.Server.CredentialGenerator.Create();
            return new Credential(c.PublicKey, c.SecretKey, CrafyCaptcha.Server.CredentialGenerator.SigningPublicKeyOf(c.SigningPrivateKey), c.SigningPrivateKey, c.PublicToken);
        }
    }
}
