using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using CrafyCaptcha.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Tests;

/// <summary>The engine's edges: input that once made it fail (500), burn CPU, or start with a credential nobody configured.</summary>
public sealed class RobustEdgeTests
{
    private const string IdnPublicToken = "pt_idn_site";
    private const string IdnSecretKey = "sk_5526a47fc8b0eae583e42f4219e53e5fa96ed80cc4c1b7246e548e402b7a81b9";

    private static ChallengeCredential IdnCredential(string domain)
    {
        var credential = new ChallengeCredential
        {
            PublicKey = "pk_8868cdb2a4575e8755324cb77bf5be3a",
            SecretKey = IdnSecretKey,
            SigningPrivateKey = "OQp3I5+4wF5YwDH6wuEvDNe94RQ0hobaEM2Ojk9+IJM=",
            PublicToken = IdnPublicToken,
        };
        credential.Domains.Add(domain);
        return credential;
    }

    private static string SealedOptions(string secretKey)
    {
        using var box = new SecretBox(secretKey);
        return box.Seal("{\"mode\":\"hidden\",\"nonce\":\"" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\"}");
    }

    private static IEnumerable<Exception> Chain(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            yield return error;
            if (error is AggregateException aggregate)
            {
                foreach (Exception inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }

    private static string Messages(Exception? error) => string.Join(" | ", Chain(error).Select(e => e.Message));

    [Fact]
    public async Task An_international_parent_origin_gets_a_refusal_page_not_a_500()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");

        HttpResponseMessage response = await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "login"), "http://bücher.de", originHeader: null);
        string html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("The domain xn--bcher-kva.de is not allowed", html, StringComparison.Ordinal);
        Assert.EndsWith("frame-ancestors http://xn--bcher-kva.de", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bücher.de", "http://bücher.de", "http://xn--bcher-kva.de")]
    [InlineData("xn--bcher-kva.de", "http://bücher.de", null)]
    [InlineData("Bücher.de", "http://xn--bcher-kva.de", "http://xn--bcher-kva.de")]
    public async Task Credential_domains_match_international_origins_in_punycode(string domain, string parentOrigin, string? originHeader)
    {
        using var app = new EngineApp(services: s => s.Configure<ChallengeServerOptions>(o => o.Credentials.Add(IdnCredential(domain))));

        HttpResponseMessage response = await app.LoadChallengeAsync(IdnPublicToken, SealedOptions(IdnSecretKey), parentOrigin, originHeader);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("frame-ancestors http://xn--bcher-kva.de", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("http://xn--bcher-kva.de", WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(await response.Content.ReadAsStringAsync(), "data-parent-origin=\"([^\"]*)\"").Groups[1].Value));
    }

    [Fact]
    public async Task A_garbage_legacy_eo_is_refused_without_running_argon2id()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        string garbage = ";v2_;" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(16 + 24 + 16 + 48));
        await app.LoadChallengeAsync(page.PublicToken, garbage); // warm-up (JIT, first request)

        var timings = new List<TimeSpan>();
        for (int i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            HttpResponseMessage response = await app.LoadChallengeAsync(page.PublicToken, garbage);
            timings.Add(clock.Elapsed);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("challenge options are invalid", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Argon2id (64 MiB, 2 passes) alone takes 70-100 ms here; the whole in-process request without it takes a few ms.
        Assert.True(timings.Min() < TimeSpan.FromMilliseconds(25), "fastest refusal took " + timings.Min().TotalMilliseconds + " ms");
    }

    [Fact]
    public async Task A_get_on_the_challenge_address_gets_a_405_refusal_page()
    {
        using var app = new EngineApp();

        HttpResponseMessage response = await app.Client.GetAsync("/crafy/challenge/");
        string html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("POST", Assert.Single(response.Content.Headers.Allow));
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("id=\"crafy-error\"", html, StringComparison.Ordinal);
        Assert.Contains("opened by the widget", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_development_the_sample_without_keys_does_not_start_and_names_the_keys()
    {
        string state = Path.Combine(Path.GetTempPath(), "crafy-prod-" + Guid.NewGuid().ToString("N"));
        try
        {
            using WebApplicationFactory<Program> factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            {
                b.UseEnvironment("Production");
                b.UseSetting("CrafyChallengeServer:DevelopmentCredentialPath", Path.Combine(state, "dev.json"));
            });

            Exception? error = Record.Exception(() => factory.CreateClient());

            string messages = Messages(error);
            Assert.Contains("only in the Development environment", messages, StringComparison.Ordinal);
            Assert.Contains("'Production'", messages, StringComparison.Ordinal);
            Assert.Contains("CrafyCaptcha:SecretKey", messages, StringComparison.Ordinal);
            Assert.Contains("CRAFY_SECRET_KEY", messages, StringComparison.Ordinal);
            Assert.Contains("CrafyChallengeServer:Credentials:0:PublicKey", messages, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(state, "dev.json")), "a development credential was created in Production");
        }
        finally
        {
            if (Directory.Exists(state))
            {
                Directory.Delete(state, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_standalone_engine_outside_development_needs_a_configured_credential()
    {
        string contentRoot = Directory.CreateTempSubdirectory("crafy-engine-prod-").FullName;
        try
        {
            WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = contentRoot });
            builder.WebHost.UseTestServer();
            builder.Services.AddCrafyChallengeServer();
            await using WebApplication app = builder.Build();

            Exception? error = await Record.ExceptionAsync(async () =>
            {
                app.MapCrafyChallengeServer();
                await app.StartAsync();
            });

            Assert.IsType<OptionsValidationException>(error);
            Assert.Contains("no credential to serve in the 'Production' environment", error.Message, StringComparison.Ordinal);
            Assert.Contains("CrafyChallengeServer:Credentials:0:PublicKey, :SecretKey, :SigningPrivateKey and :PublicToken", error.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(contentRoot, ".crafy")), "a development credential was created in Production");
        }
        finally
        {
            Directory.Delete(contentRoot, recursive: true);
        }
    }

    [Fact]
    public void An_unwritable_development_credential_path_gives_a_clear_start_up_error()
    {
        // A regular file where the folder should be: not writable whoever runs the tests (root ignores chmod).
        string blocker = Path.GetTempFileName();
        try
        {
            using WebApplicationFactory<Program> factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            {
                b.UseEnvironment("Development");
                b.UseSetting("CrafyChallengeServer:DevelopmentCredentialPath", Path.Combine(blocker, ".crafy", "dev-credential.json"));
            });

            Exception? error = Record.Exception(() => factory.CreateClient());

            InvalidOperationException clear = Assert.Single(Chain(error).OfType<InvalidOperationException>(), e => e.Message.Contains("could not write its development credential", StringComparison.Ordinal));
            Assert.Contains(blocker, clear.Message, StringComparison.Ordinal);
            Assert.Contains("CrafyChallengeServer:DevelopmentCredentialPath", clear.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(blocker);
        }
    }

    [Fact]
    public void When_the_data_protection_keys_change_the_replaced_development_credential_is_logged()
    {
        string state = Path.Combine(Path.GetTempPath(), "crafy-dpkeys-" + Guid.NewGuid().ToString("N"));
        string path = Path.Combine(state, "dev-credential.json");
        try
        {
            (string PublicKey, CapturingLoggerProvider Logs) Start(string keyFolder)
            {
                var logs = new CapturingLoggerProvider();
                using WebApplicationFactory<Program> factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
                {
                    b.UseEnvironment("Development");
                    b.UseSetting("CrafyChallengeServer:DevelopmentCredentialPath", path);
                    b.ConfigureServices(s =>
                    {
                        s.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(state, keyFolder))).SetApplicationName("crafy-tests");
                        s.AddSingleton<ILoggerProvider>(logs);
                    });
                });
                return (factory.Services.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value.PublicKey!, logs);
            }

            static bool Replaced((string Category, LogLevel Level, EventId EventId, string Message) e) => e.EventId.Name == "DevelopmentCredentialReplaced";

            (string first, _) = Start("keys-a");
            (string again, CapturingLoggerProvider sameKeys) = Start("keys-a");
            (string replaced, CapturingLoggerProvider otherKeys) = Start("keys-b");

            Assert.Equal(first, again);
            Assert.DoesNotContain(sameKeys.Entries, Replaced);
            Assert.NotEqual(first, replaced);
            var warning = Assert.Single(otherKeys.Entries, Replaced);
            Assert.Equal(LogLevel.Warning, warning.Level);
            Assert.Contains(path, warning.Message, StringComparison.Ordinal);
            Assert.Contains("Data Protection keys", warning.Message, StringComparison.Ordinal);
            Assert.Contains("PersistKeysToFileSystem", warning.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("sk_", warning.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(state))
            {
                Directory.Delete(state, recursive: true);
            }
        }
    }
}
