using System.Collections.Concurrent;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.UI.Services;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.AspNetCore.Components.Tests;

/// <summary>
/// The classic Identity UI (Razor Pages compiled into Microsoft.AspNetCore.Identity.UI, not scaffolded) with one call,
/// <c>AddCrafyCaptchaToIdentityUI()</c>: each protected page has the widget in its form; a post without a token is
/// refused with the message and what was typed; a token minted for the page's policy lets Identity go on.
/// </summary>
public sealed class IdentityUITests : IAsyncLifetime
{
    private const string Password = "Passw0rd!-long-enough";
    private const string Missing = "Please complete the captcha before sending the form.";
    private readonly SqliteConnection _database = new("DataSource=:memory:");
    private readonly string _state = Path.Combine(Path.GetTempPath(), "crafy-identity-ui-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<(string Email, string Subject)> _emails = new();
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _database.OpenAsync();
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development, ApplicationName = typeof(IdentityUITests).Assembly.GetName().Name });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CrafyChallengeServer:DevelopmentCredentialPath"] = Path.Combine(_state, "dev-credential.json"),
        });
        builder.Services.AddDbContext<IdentityDbContext>(o => o.UseSqlite(_database));
        builder.Services.AddDefaultIdentity<IdentityUser>(o => o.SignIn.RequireConfirmedAccount = false).AddEntityFrameworkStores<IdentityDbContext>();
        builder.Services.AddSingleton<IEmailSender>(new RecordingEmailSender(_emails));
        builder.Services.AddRazorPages();
        builder.Services.AddCrafyCaptcha().AddEmbeddedChallengeServer().AddCrafyCaptchaToIdentityUI();
        _app = builder.Build();
        using (IServiceScope scope = _app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IdentityDbContext>().Database.EnsureCreatedAsync();
        }

        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapCrafyOptions();
        _app.MapRazorPages();
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    [Theory]
    [InlineData("/Identity/Account/Login", "identity-login", "account")]
    [InlineData("/Identity/Account/Register", "identity-register", "registerForm")]
    [InlineData("/Identity/Account/ForgotPassword", "identity-forgot-password", null)]
    [InlineData("/Identity/Account/ResendEmailConfirmation", "identity-resend-confirmation", null)]
    public async Task Each_page_has_the_widget_of_its_policy_in_its_form_before_the_submit_button(string page, string policy, string? formId)
    {
        HttpResponseMessage got = await _client.GetAsync(page);
        string html = await got.Content.ReadAsStringAsync();
        Assert.True(got.IsSuccessStatusCode, html.Length > 3000 ? html[..3000] : html);

        Match form = Regex.Match(html, formId is null ? "<form[^>]*method=\"post\"[^>]*>(.*?)</form>" : $"<form id=\"{formId}\"[^>]*>(.*?)</form>", RegexOptions.Singleline);
        Assert.True(form.Success, "no form");
        string content = form.Groups[1].Value;
        int widget = content.IndexOf($"data-crafy-policy=\"{policy}\"", StringComparison.Ordinal);
        Assert.True(widget >= 0, "the form has no widget of its policy");
        Assert.True(widget < content.IndexOf("type=\"submit\"", StringComparison.Ordinal), "the widget is not before the submit button");
        Assert.Single(Regex.Matches(html, "class=\"crafy-captcha\""));
    }

    [Fact]
    public void The_external_login_page_requires_its_own_policy()
    {
        RouteEndpoint endpoint = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Single(e => e.RoutePattern.RawText == "Identity/Account/ExternalLogin");

        Assert.Equal("identity-external-login", endpoint.Metadata.GetMetadata<ICrafyCaptchaMetadata>()?.PolicyName);
    }

    [Fact]
    public async Task Login_without_a_token_is_refused_keeps_the_email_and_signs_nobody_in()
    {
        string email = await CreateUserAsync();

        HttpResponseMessage response = await PostAsync("/Identity/Account/Login", new() { ["Input.Email"] = email, ["Input.Password"] = Password });

        string html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<div class=\"text-danger crafy-captcha-message\" role=\"alert\">" + HtmlEncoder.Default.Encode(Missing) + "</div>", html, StringComparison.Ordinal);
        Assert.Contains($"value=\"{email}\"", html, StringComparison.Ordinal);
        Assert.False(SignedIn(response));
    }

    [Fact]
    public async Task Login_with_a_token_of_its_policy_signs_in_and_one_of_another_page_is_refused()
    {
        string email = await CreateUserAsync();

        HttpResponseMessage wrong = await PostAsync("/Identity/Account/Login", new() { ["Input.Email"] = email, ["Input.Password"] = Password, ["CrafyCAPTCHA_token"] = await MintAsync("identity-register") });
        HttpResponseMessage right = await PostAsync("/Identity/Account/Login", new() { ["Input.Email"] = email, ["Input.Password"] = Password, ["CrafyCAPTCHA_token"] = await MintAsync("identity-login") });

        Assert.False(SignedIn(wrong));
        Assert.Contains("crafy-captcha-message", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.True(SignedIn(right));
    }

    [Fact]
    public async Task Register_without_a_token_creates_nobody_and_with_one_creates_the_account()
    {
        string email = $"reg-{Guid.NewGuid():N}@example.com";
        var fields = new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = Password, ["Input.ConfirmPassword"] = Password };

        HttpResponseMessage refused = await PostAsync("/Identity/Account/Register", new(fields));
        Assert.Null(await FindAsync(email));
        Assert.Contains($"value=\"{email}\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        fields["CrafyCAPTCHA_token"] = await MintAsync("identity-register");
        HttpResponseMessage accepted = await PostAsync("/Identity/Account/Register", fields);

        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        Assert.NotNull(await FindAsync(email));
        Assert.Contains(_emails, e => e.Email == email);
    }

    [Fact]
    public async Task ForgotPassword_sends_the_reset_mail_only_with_a_token()
    {
        string email = await CreateUserAsync();

        await PostAsync("/Identity/Account/ForgotPassword", new() { ["Input.Email"] = email });
        Assert.DoesNotContain(_emails, e => e.Email == email);
        HttpResponseMessage accepted = await PostAsync("/Identity/Account/ForgotPassword", new() { ["Input.Email"] = email, ["CrafyCAPTCHA_token"] = await MintAsync("identity-forgot-password") });

        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        Assert.Contains(_emails, e => e.Email == email && e.Subject == "Reset your password");
    }

    [Fact]
    public async Task ResendEmailConfirmation_sends_only_with_a_token()
    {
        string email = await CreateUserAsync(confirmed: false);

        HttpResponseMessage refused = await PostAsync("/Identity/Account/ResendEmailConfirmation", new() { ["Input.Email"] = email });
        Assert.DoesNotContain(_emails, e => e.Email == email);
        Assert.Contains("crafy-captcha-message", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await PostAsync("/Identity/Account/ResendEmailConfirmation", new() { ["Input.Email"] = email, ["CrafyCAPTCHA_token"] = await MintAsync("identity-resend-confirmation") });

        Assert.Contains(_emails, e => e.Email == email && e.Subject == "Confirm your email");
    }

    /// <summary>GETs the page (antiforgery cookie and field) and posts its form with <paramref name="fields"/>.</summary>
    private async Task<HttpResponseMessage> PostAsync(string page, Dictionary<string, string> fields)
    {
        HttpResponseMessage get = await _client.GetAsync(page);
        string html = await get.Content.ReadAsStringAsync();
        Match antiforgery = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        Assert.True(antiforgery.Success, "no antiforgery field");
        fields["__RequestVerificationToken"] = antiforgery.Groups[1].Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, page) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Cookie", string.Join("; ", get.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
        return await _client.SendAsync(request);
    }

    private async Task<string> MintAsync(string policy)
    {
        return await TokenMint.MintAsync(_app.Services, policy);
    }

    private async Task<string> CreateUserAsync(bool confirmed = true)
    {
        string email = $"user-{Guid.NewGuid():N}@example.com";
        using IServiceScope scope = _app.Services.CreateScope();
        IdentityResult result = await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().CreateAsync(new IdentityUser { UserName = email, Email = email, EmailConfirmed = confirmed }, Password);
        Assert.True(result.Succeeded);
        return email;
    }

    private async Task<IdentityUser?> FindAsync(string email)
    {
        using IServiceScope scope = _app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().FindByEmailAsync(email);
    }

    private static bool SignedIn(HttpResponseMessage response)
        => response.Headers.TryGetValues("Set-Cookie", out IEnumerable<string>? cookies)
            && cookies.Any(c => c.StartsWith(".AspNetCore.Identity.Application=", StringComparison.Ordinal));

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }

    private sealed class RecordingEmailSender(ConcurrentQueue<(string, string)> sent) : IEmailSender
    {
        public Task SendEmailAsync(string email, string subject, string htmlMessage)
        {
            sent.Enqueue((email, subject));
            return Task.CompletedTask;
        }
    }
}
