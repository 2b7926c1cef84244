using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using CrafyCaptcha.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NSec.Cryptography;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// Issue 14: what <c>crafy keys new</c> prints starts a stand-alone engine and a site that work together with no
/// other edit. The CLI runs as a real process; its appsettings blocks (or its .env lines) are the only
/// configuration of two apps on Kestrel (127.0.0.1) in the Production environment; a flow created by the site is
/// completed through the engine and the site accepts the token, once.
/// </summary>
public sealed class KeysNewDeploymentTests
{
    [Theory]
    [InlineData("appsettings")]
    [InlineData("env")]
    [InlineData("env-beside-stale-appsettings")]
    public async Task The_printed_configuration_runs_an_engine_and_a_site_that_work_together(string form)
    {
        int enginePort = FreePort();
        string engineUrl = $"http://127.0.0.1:{enginePort}/crafy";
        CliOutput cli = await CrafyKeysNewAsync("--engine-url", engineUrl);
        (IConfigurationSource engineConfig, IConfigurationSource[] siteConfig) = form switch
        {
            "appsettings" => (JsonBlock(cli.Section("# Engine: appsettings.json")), new[] { JsonBlock(cli.Section("# Site: appsettings.json")) }),
            "env" => (EnvLines(cli.Section("# Engine: .env")), new[] { EnvLines(cli.Section("# Site: .env")) }),
            // A deployment that sets the new .env lines beside an appsettings.json block with an older credential: the
            // environment variables win, as CrafyCaptcha__SecretKey would, and the conflict is logged once.
            _ => (EnvLines(cli.Section("# Engine: .env")), new[] { JsonBlock((await CrafyKeysNewAsync("--engine-url", engineUrl)).Section("# Site: appsettings.json")), EnvLines(cli.Section("# Site: .env")) }),
        };
        var siteLogs = new CapturingLoggerProvider();
        string publicToken = cli.Field("Public token:");
        string signingPublicKey = cli.Field("Signing public key:");

        string contentRoot = Directory.CreateTempSubdirectory("crafy-keys-new-").FullName;
        await using WebApplication engine = Engine(engineConfig, enginePort, contentRoot);
        await engine.StartAsync();
        await using WebApplication site = EngineSite.Build(siteConfig, contentRoot, siteLogs);
        await site.StartAsync();
        try
        {
            string siteUrl = site.Urls.Single().TrimEnd('/');
            using var siteClient = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(siteUrl) };
            using var engineClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{enginePort}") };

            // The page: the site's SDK got the public token from the engine's authenticate call with the printed keys.
            // A page waits at most 1 s for it; on a cold engine a page may come first without it (the widget shows its
            // error state) and a later visit gets it, fetched in the background.
            JsonObject page = (await siteClient.GetFromJsonAsync<JsonObject>("/page"))!;
            for (int visit = 0; visit < 40 && page["publicToken"] is null; visit++)
            {
                await Task.Delay(250);
                page = (await siteClient.GetFromJsonAsync<JsonObject>("/page"))!;
            }

            Assert.Equal(publicToken, (string?)page["publicToken"]);
            using HttpResponseMessage options = await siteClient.PostAsJsonAsync("/crafy-options", new { action = "get_options", __RequestVerificationToken = (string)page["antiforgery"]! });
            Assert.True(options.IsSuccessStatusCode, $"options endpoint: HTTP {(int)options.StatusCode} {await options.Content.ReadAsStringAsync()}");
            string eo = (string)(await options.Content.ReadFromJsonAsync<JsonObject>())!["eo"]!;

            // The browser's part, against the engine: the iframe page, the proof-of-work, the signed completion.
            ChallengePage challenge = await EngineApp.LoadChallengeAsync(engineClient, publicToken, eo, siteUrl);
            Assert.True(Ed25519Verifies(signingPublicKey, challenge.HandshakePayload, challenge.HandshakeSignature), "the handshake does not verify with the printed signing public key");
            (HttpStatusCode answered, JsonObject complete) = await EngineApp.AnswerAsync(engineClient, challenge);
            Assert.True(answered == HttpStatusCode.OK, $"verify: HTTP {(int)answered} {complete.ToJsonString()}");
            Assert.True(Ed25519Verifies(signingPublicKey, (string)complete["payload"]!, (string)complete["signature"]!), "the completion does not verify with the printed signing public key");
            string token = EngineApp.TokenFrom(complete);

            // The site accepts the engine's token once; without a token, or a second time, it refuses.
            using HttpResponseMessage missing = await EngineSite.PostCommentAsync(siteClient, token: null);
            using HttpResponseMessage accepted = await EngineSite.PostCommentAsync(siteClient, token);
            using HttpResponseMessage replayed = await EngineSite.PostCommentAsync(siteClient, token);

            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
            Assert.True(accepted.IsSuccessStatusCode, $"token refused: HTTP {(int)accepted.StatusCode} {await accepted.Content.ReadAsStringAsync()}");
            Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
            Assert.Equal("captcha_replayed", (string?)(await replayed.Content.ReadFromJsonAsync<JsonObject>())?["code"]);

            string[] conflicts = [.. siteLogs.Entries.Where(e => e.EventId.Name == "ConfigurationConflict").Select(e => e.Message)];
            if (form == "env-beside-stale-appsettings")
            {
                Assert.Equal(3, conflicts.Length); // one line per key, once
                Assert.Contains(conflicts, m => m.StartsWith("CrafyCaptcha configuration: CRAFY_SECRET_KEY from ", StringComparison.Ordinal) && m.Contains("overrides CrafyCaptcha:SecretKey", StringComparison.Ordinal));
                Assert.DoesNotContain(siteLogs.Entries, e => e.Message.Contains(cli.Field("Secret key:"), StringComparison.Ordinal)); // names, never values
            }
            else
            {
                Assert.Empty(conflicts);
            }
        }
        finally
        {
            await site.StopAsync();
            await engine.StopAsync();
            Directory.Delete(contentRoot, recursive: true);
        }
    }

    [Fact]
    public async Task Without_the_printed_public_token_the_engine_refuses_to_start()
    {
        // Why the set must carry one: a credential without it is refused at start-up (so printing it is required).
        CliOutput cli = await CrafyKeysNewAsync();
        var lines = cli.Section("# Engine: .env").Where(l => !l.Contains("__PublicToken=", StringComparison.Ordinal)).ToList();
        string contentRoot = Directory.CreateTempSubdirectory("crafy-keys-new-").FullName;
        try
        {
            var error = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
            {
                await using WebApplication engine = Engine(EnvLines(lines), FreePort(), contentRoot);
                await engine.StartAsync();
            });
            Assert.Contains("PublicToken", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(contentRoot, recursive: true);
        }
    }

    private static WebApplication Engine(IConfigurationSource configuration, int port, string contentRoot)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, ContentRootPath = contentRoot });
        builder.Configuration.Sources.Clear();
        ((IConfigurationBuilder)builder.Configuration).Add(configuration);
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls($"http://127.0.0.1:{port}");
        // The test answers the flow over HTTP without running JavaScript, so it cannot run the instrumentation program:
        // turned off in code, leaving the printed configuration untouched (InstrumentationTests covers the program).
        builder.Services.AddCrafyChallengeServer(o => o.Instrumentation.Enabled = false);
        WebApplication app = builder.Build();
        app.MapCrafyChallengeServer("/crafy");
        return app;
    }

    /// <summary>The JSON block as an appsettings.json file would give it.</summary>
    private static IConfigurationSource JsonBlock(IEnumerable<string> lines)
        => new Microsoft.Extensions.Configuration.Json.JsonStreamConfigurationSource { Stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines))) };

    /// <summary>
    /// The .env lines as ASP.NET Core's environment-variable provider reads them (<c>__</c> is the section
    /// separator); in memory, since setting real variables would leak into the other tests of this process.
    /// </summary>
    private static IConfigurationSource EnvLines(IEnumerable<string> lines)
        => new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = lines.Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('=', 2))
                .Select(p => new KeyValuePair<string, string?>(p[0].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), p[1])),
        };

    private static bool Ed25519Verifies(string signingPublicKey, string payload, string signature)
    {
        PublicKey key = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromBase64String(signingPublicKey), KeyBlobFormat.RawPublicKey);
        return SignatureAlgorithm.Ed25519.Verify(key, Encoding.UTF8.GetBytes(payload), Convert.FromBase64String(signature));
    }

    private static async Task<CliOutput> CrafyKeysNewAsync(params string[] options)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])[Path.Combine(AppContext.BaseDirectory, "CrafyCaptcha.Cli.dll"), "keys", "new", .. options])
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"crafy keys new exited with {process.ExitCode}: {await error}");
        return new CliOutput(await output);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The CLI's text output: header lines starting with <c>#</c>, each followed by its block up to a blank line.</summary>
    private sealed record CliOutput(string Text)
    {
        private string[] Lines => Text.ReplaceLineEndings("\n").Split('\n');

        public IReadOnlyList<string> Section(string headerStart)
        {
            int header = Array.FindIndex(Lines, l => l.StartsWith(headerStart, StringComparison.Ordinal));
            Assert.True(header >= 0, $"no '{headerStart}' section in:\n{Text}");
            return [.. Lines.Skip(header + 1).TakeWhile(l => l.Trim().Length > 0)];
        }

        public string Field(string label) => Lines.Single(l => l.StartsWith(label, StringComparison.Ordinal))[label.Length..].Trim();
    }
}
