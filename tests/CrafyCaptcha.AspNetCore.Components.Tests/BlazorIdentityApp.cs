using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CrafyCaptcha.BlazorIdentity.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Components.Tests;

/// <summary>
/// The Blazor Identity sample in-process (real HTTP pipeline), as `dotnet run` starts it: Development, embedded engine
/// with its development credential, SQLite created on first run (in a temporary folder here). The e-mails Identity
/// sends are recorded.
/// </summary>
public class BlazorIdentityApp : WebApplicationFactory<Program>
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "crafy-blazor-" + Guid.NewGuid().ToString("N"));
    private readonly IReadOnlyDictionary<string, string?> _settings;

    public BlazorIdentityApp()
        : this(new Dictionary<string, string?>())
    {
    }

    /// <summary>The sample with <paramref name="settings"/> on top of the test's (e.g. <c>ConnectionStrings:Redis</c>); internal: a class fixture has one public constructor.</summary>
    internal BlazorIdentityApp(IReadOnlyDictionary<string, string?> settings) => _settings = settings;

    /// <summary>What Identity sent: (kind, e-mail address, link or code).</summary>
    public ConcurrentQueue<(string Kind, string Email, string Link)> Emails { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(_state);
        builder.UseEnvironment("Development");
        // Program.cs reads the connection string before the host is built: a host setting is seen then, whereas
        // ConfigureAppConfiguration only applies at Build (the sample's own App_Data/app.db would be shared otherwise).
        builder.UseSetting("ConnectionStrings:DefaultConnection", $"DataSource={DatabasePath};Cache=Shared");
        foreach ((string key, string? value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CrafyChallengeServer:DevelopmentCredentialPath"] = Path.Combine(_state, "dev-credential.json"),
            ["Logging:LogLevel:Default"] = "Warning",
            ["CrafyChallengeServer:Risk:IpFreeLoads"] = "10000",
            ["CrafyChallengeServer:Risk:IpLoadsRefused"] = "100000",
            ["CrafyChallengeServer:Risk:NetworkFreeLoads"] = "10000",
        }).AddInMemoryCollection(_settings));
        builder.ConfigureServices(s => s.Replace(ServiceDescriptor.Singleton<IEmailSender<ApplicationUser>>(new RecordingEmailSender(Emails))));
    }

    /// <summary>This instance's own SQLite file (never the sample's <c>App_Data/app.db</c>).</summary>
    public string DatabasePath => Path.Combine(_state, "app.db");

    public HttpClient Client() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>A token for <paramref name="policy"/> as the engine issues one (<see cref="TokenMint"/>).</summary>
    public Task<string> MintTokenAsync(string policy) => TokenMint.MintAsync(Services, policy);

    /// <summary>Fetches <paramref name="page"/> (for the antiforgery cookie and field) and posts its form <paramref name="formName"/> with <paramref name="fields"/>.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string page, string formName, Dictionary<string, string> fields)
    {
        string html = await client.GetStringAsync(page);
        Match antiforgery = Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"");
        Assert.True(antiforgery.Success, "the page has no antiforgery field");
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery.Groups[1].Value);
        fields["_handler"] = formName;
        return await client.PostAsync(page, new FormUrlEncodedContent(fields));
    }

    public async Task<ApplicationUser?> FindUserAsync(string email)
    {
        using IServiceScope scope = Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email);
    }

    public async Task CreateConfirmedUserAsync(string email, string password)
    {
        using IServiceScope scope = Services.CreateScope();
        UserManager<ApplicationUser> users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        IdentityResult result = await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true }, password);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }

    private sealed class RecordingEmailSender(ConcurrentQueue<(string, string, string)> sent) : IEmailSender<ApplicationUser>
    {
        public Task SendConfirmationLinkAsync(ApplicationUser user, string email, string confirmationLink) => Record("confirmation", email, confirmationLink);

        public Task SendPasswordResetLinkAsync(ApplicationUser user, string email, string resetLink) => Record("reset-link", email, resetLink);

        public Task SendPasswordResetCodeAsync(ApplicationUser user, string email, string resetCode) => Record("reset-code", email, resetCode);

        private Task Record(string kind, string email, string link)
        {
            sent.Enqueue((kind, email, link));
            return Task.CompletedTask;
        }
    }
}
