using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.ControlPanel.Tests;

/// <summary>
/// A host app as a site would write it: the engine at /crafy, the panel at /crafy/admin behind its own policy
/// ("CrafyAdmins": role admin), one credential from configuration, the panel's SQLite file in a temporary folder. Its
/// authentication reads a header (X-Test-User / X-Test-Role) the way a real scheme reads a cookie. TestServer or, with
/// <c>kestrel: true</c>, Kestrel on 127.0.0.1 (for the browser).
/// </summary>
public sealed class PanelHost : IAsyncDisposable
{
    public const string ConfiguredPublicKey = "pk_00000000000000000000000000000001";
    public const string ConfiguredPublicToken = "pt_configured";

    private PanelHost(WebApplication app) => App = app;

    public WebApplication App { get; }

    public Uri BaseAddress => new(App.Urls.First());

    public static async Task<PanelHost> StartAsync(bool kestrel = false, string? policy = "CrafyAdmins")
    {
        string directory = Path.Combine(Path.GetTempPath(), "crafy-panel-" + Guid.NewGuid().ToString("N"));
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
        if (kestrel)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        ChallengeCredential configured = CredentialGenerator.Create();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CrafyChallengeServer:Credentials:0:PublicKey"] = ConfiguredPublicKey,
            ["CrafyChallengeServer:Credentials:0:SecretKey"] = configured.SecretKey,
            ["CrafyChallengeServer:Credentials:0:SigningPrivateKey"] = configured.SigningPrivateKey,
            ["CrafyChallengeServer:Credentials:0:PublicToken"] = ConfiguredPublicToken,
            ["CrafyChallengeServer:Instrumentation:Enabled"] = "false",
            ["CrafyChallengeServer:ControlPanel:ConnectionString"] = "Data Source=" + Path.Combine(directory, "panel.db") + ";Pooling=false",
            ["CrafyChallengeServer:ControlPanel:AuthorizationPolicy"] = policy,
            ["CrafyChallengeServer:ControlPanel:RotationGracePeriod"] = "01:00:00",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddCrafyControlPanel();
        builder.Services.AddAuthentication(HeaderAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.SchemeName, null);
        builder.Services.AddAuthorization(o => o.AddPolicy("CrafyAdmins", p => p.RequireRole("admin")));
        WebApplication app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCrafyChallengeServer("/crafy");
        app.MapCrafyControlPanel("/crafy/admin");
        await app.StartAsync();
        return new PanelHost(app) { Directory = directory };
    }

    public string Directory { get; private init; } = null!;

    /// <summary>A client signed in as <paramref name="role"/> (null: anonymous).</summary>
    public HttpClient Client(string? role = "admin")
    {
        HttpClient client = App.GetTestClient();
        if (role is not null)
        {
            client.DefaultRequestHeaders.Add("X-Test-User", "ana");
            client.DefaultRequestHeaders.Add("X-Test-Role", role);
        }

        return client;
    }

    /// <summary>Posts a panel form the way a browser does: the antiforgery cookie and field from the page that shows it.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string formPage, string action, Dictionary<string, string> fields, bool withToken = true)
    {
        HttpResponseMessage page = await client.GetAsync(formPage);
        page.EnsureSuccessStatusCode();
        string html = await page.Content.ReadAsStringAsync();
        string cookie = string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        Match token = Regex.Match(html, "<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">");
        Assert.True(token.Success, "the form carries an antiforgery field");
        if (withToken)
        {
            fields[token.Groups[1].Value] = WebUtility.HtmlDecode(token.Groups[2].Value);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Cookie", cookie);
        return await client.SendAsync(request);
    }

    /// <summary>Creates a credential through the create form; what the page shows once.</summary>
    public static async Task<ShownCredential> CreateThroughPageAsync(HttpClient admin, string plan = "starter", string domains = "")
    {
        HttpResponseMessage response = await PostFormAsync(admin, "/crafy/admin/credentials/new", "/crafy/admin/credentials", new() { ["plan"] = plan, ["domains"] = domains });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string html = await response.Content.ReadAsStringAsync();
        return new ShownCredential(Code(html, "public-key"), Code(html, "public-token"), Code(html, "secret-key"), html);
    }

    /// <summary>The text of the page's <c>&lt;code id="…"&gt;</c>.</summary>
    public static string Code(string html, string id)
    {
        Match m = Regex.Match(html, $"<code id=\"{id}\">([^<]+)</code>");
        Assert.True(m.Success, $"the page shows {id}");
        return WebUtility.HtmlDecode(m.Groups[1].Value);
    }

    /// <summary>Opens a challenge as the widget's iframe would, from a page on <paramref name="parentOrigin"/>.</summary>
    public async Task<(HttpStatusCode Status, string Body)> OpenChallengeAsync(string publicToken, string parentOrigin, string eo = "v3.not-a-real-eo")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/crafy/challenge/")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["pt"] = publicToken, ["cdweo"] = "{\"eo\":\"" + eo + "\"}", ["parent_origin"] = parentOrigin }),
        };
        request.Headers.Add("User-Agent", "Mozilla/5.0 test");
        HttpResponseMessage response = await Client(null).SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>A credential as the created page shows it (the only time the secret is shown).</summary>
    public sealed record ShownCredential(string PublicKey, string PublicToken, string SecretKey, string Html);

    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "TestHeader";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Request.Headers["X-Test-User"].ToString() is not { Length: > 0 } user)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user), new Claim(ClaimTypes.Role, Request.Headers["X-Test-Role"].ToString())], SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
    }
}
