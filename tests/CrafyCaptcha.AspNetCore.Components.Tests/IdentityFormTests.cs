using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CrafyCaptcha.AspNetCore.Components.Tests;

/// <summary>
/// The Identity forms of the Blazor Identity sample over real HTTP, as a script would post them: without a token they
/// are refused (the page re-renders with the captcha's message, what was typed kept, nothing done); with a token minted
/// for their policy, Identity goes on. Every page is protected by <c>@attribute [RequireCrafyCaptcha]</c> and
/// <c>UseCrafyCaptcha()</c>; the message reaches the form through its <c>EditContext</c>.
/// </summary>
public sealed class IdentityFormTests(BlazorIdentityApp app) : IClassFixture<BlazorIdentityApp>
{
    [Fact]
    public async Task A_Blazor_page_without_a_widget_gives_the_browser_its_visitor_cookie_before_any_circuit_connects()
    {
        // An interactive Server form's token is verified on the circuit, which carries the cookies the browser had when
        // it connected: a first visit that lands on a page without a widget must already get the cookie.
        using HttpClient client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        HttpResponseMessage home = await client.GetAsync("/");

        string cookie = Assert.Single(home.Headers.GetValues("Set-Cookie"), c => c.StartsWith("CrafyCAPTCHA.Visitor=", StringComparison.Ordinal));
        Assert.Matches("^CrafyCAPTCHA.Visitor=[A-Za-z0-9_-]{22};", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);

        // A browser that has it keeps it: no second value, which would unbind its open forms.
        using var again = new HttpRequestMessage(HttpMethod.Get, "/contact");
        again.Headers.Add("Cookie", cookie.Split(';')[0]);
        HttpResponseMessage contact = await client.SendAsync(again);
        Assert.DoesNotContain(contact.Headers.TryGetValues("Set-Cookie", out IEnumerable<string>? set) ? set : [], c => c.StartsWith("CrafyCAPTCHA.Visitor=", StringComparison.Ordinal));
    }

    private const string Missing = "Please complete the captcha before sending the form.";
    private const string WrongPolicy = "This verification was made for another form — please verify again on this form.";
    private const string Replayed = "This verification was already used or is no longer valid — please verify again.";
    private const string Password = "Passw0rd!-long-enough";

    [Fact]
    public async Task Each_test_app_has_its_own_database_so_parallel_fixtures_never_share_one()
    {
        await app.CreateConfirmedUserAsync($"own-db-{Guid.NewGuid():N}@example.com", Password);

        Assert.True(File.Exists(app.DatabasePath), "the users were not written to the instance's own database file");
        using BlazorIdentityApp other = new();
        _ = other.Services; // starts it: its Program.cs runs EnsureCreated on its own file
        Assert.True(File.Exists(other.DatabasePath));
        Assert.NotEqual(app.DatabasePath, other.DatabasePath);
    }

    [Fact]
    public async Task A_statically_rendered_form_carries_its_widgets_first_eo_uncached_one_per_page_view()
    {
        using HttpClient client = app.Client();

        using HttpResponseMessage first = await client.GetAsync("/Account/Login");
        string a = PageEo(await first.Content.ReadAsStringAsync()), b = PageEo(await client.GetStringAsync("/Account/Login"));

        Assert.StartsWith(TokenMint.SealedV3Prefix, a, StringComparison.Ordinal);
        Assert.NotEqual(a, b);
        Assert.True(first.Headers.CacheControl is { NoStore: true, NoCache: true }, first.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task In_development_the_widget_is_told_to_name_its_errors_in_the_console()
    {
        using HttpClient client = app.Client();
        string html = await client.GetStringAsync("/Account/Login");
        System.Text.RegularExpressions.Match config = System.Text.RegularExpressions.Regex.Match(html, "data-crafy-config=\"([^\"]+)\"");
        Assert.True(config.Success, "no widget on the page");
        Assert.True((bool?)System.Text.Json.Nodes.JsonNode.Parse(WebUtility.HtmlDecode(config.Groups[1].Value))!["options"]!["devHints"]);
    }

    private static string PageEo(string html)
    {
        System.Text.RegularExpressions.Match config = System.Text.RegularExpressions.Regex.Match(html, "data-crafy-config=\"([^\"]+)\"");
        Assert.True(config.Success, "no widget on the page");
        var json = System.Text.Json.Nodes.JsonNode.Parse(WebUtility.HtmlDecode(config.Groups[1].Value))!;
        return (string?)json["options"]!["encryptedOptions"] ?? throw new Xunit.Sdk.XunitException("the page carries no eo: " + json.ToJsonString());
    }

    [Fact]
    public async Task Register_without_a_token_is_refused_keeps_the_email_and_creates_nobody()
    {
        using HttpClient client = app.Client();
        string email = $"nobody-{Guid.NewGuid():N}@example.com";

        HttpResponseMessage response = await BlazorIdentityApp.PostFormAsync(client, "/Account/Register", "register", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = Password,
            ["Input.ConfirmPassword"] = Password,
        });

        string html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertRefusedWith(html, Missing);
        Assert.Contains($"value=\"{email}\"", html, StringComparison.Ordinal);
        Assert.Null(await app.FindUserAsync(email));
        Assert.DoesNotContain(app.Emails, e => e.Email == email);
    }

    [Fact]
    public async Task Register_with_a_valid_token_creates_the_user_and_sends_the_confirmation()
    {
        using HttpClient client = app.Client();
        string email = $"ana-{Guid.NewGuid():N}@example.com";

        HttpResponseMessage response = await BlazorIdentityApp.PostFormAsync(client, "/Account/Register", "register", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = Password,
            ["Input.ConfirmPassword"] = Password,
            ["CrafyCAPTCHA_token"] = await app.MintTokenAsync("register"),
        });

        Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther, $"status {response.StatusCode}");
        Assert.Contains("Account/RegisterConfirmation", response.Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.NotNull(await app.FindUserAsync(email));
        Assert.Contains(app.Emails, e => e.Kind == "confirmation" && e.Email == email);
    }

    [Fact]
    public async Task Login_without_a_token_is_refused_keeps_the_email_and_signs_nobody_in()
    {
        string email = $"bea-{Guid.NewGuid():N}@example.com";
        await app.CreateConfirmedUserAsync(email, Password);
        using HttpClient client = app.Client();

        HttpResponseMessage response = await BlazorIdentityApp.PostFormAsync(client, "/Account/Login", "login", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = Password,
        });

        string html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertRefusedWith(html, Missing);
        Assert.Contains($"value=\"{email}\"", html, StringComparison.Ordinal);
        Assert.False(SignedIn(response));
    }

    [Fact]
    public async Task Login_with_a_valid_token_signs_in()
    {
        string email = $"carla-{Guid.NewGuid():N}@example.com";
        await app.CreateConfirmedUserAsync(email, Password);
        using HttpClient client = app.Client();

        HttpResponseMessage response = await BlazorIdentityApp.PostFormAsync(client, "/Account/Login", "login", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = Password,
            ["CrafyCAPTCHA_token"] = await app.MintTokenAsync("login"),
        });

        Assert.True(SignedIn(response), $"status {response.StatusCode}: no Identity cookie");
        HttpResponseMessage manage = await client.GetAsync("/Account/Manage");
        Assert.Equal(HttpStatusCode.OK, manage.StatusCode);
        Assert.Contains(email, await manage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_with_a_token_of_another_form_is_refused_as_wrong_policy()
    {
        string email = $"dora-{Guid.NewGuid():N}@example.com";
        await app.CreateConfirmedUserAsync(email, Password);
        using HttpClient client = app.Client();

        HttpResponseMessage response = await BlazorIdentityApp.PostFormAsync(client, "/Account/Login", "login", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = Password,
            ["CrafyCAPTCHA_token"] = await app.MintTokenAsync("register"),
        });

        AssertRefusedWith(await response.Content.ReadAsStringAsync(), WrongPolicy);
        Assert.False(SignedIn(response));
    }

    [Fact]
    public async Task A_token_passes_once_the_replay_is_refused()
    {
        string email = $"eva-{Guid.NewGuid():N}@example.com";
        await app.CreateConfirmedUserAsync(email, Password);
        string token = await app.MintTokenAsync("login");
        using HttpClient first = app.Client();
        using HttpClient second = app.Client();
        var fields = new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = Password, ["CrafyCAPTCHA_token"] = token };

        HttpResponseMessage accepted = await BlazorIdentityApp.PostFormAsync(first, "/Account/Login", "login", new(fields));
        HttpResponseMessage replay = await BlazorIdentityApp.PostFormAsync(second, "/Account/Login", "login", new(fields));

        Assert.True(SignedIn(accepted));
        AssertRefusedWith(await replay.Content.ReadAsStringAsync(), Replayed);
        Assert.False(SignedIn(replay));
    }

    [Fact]
    public async Task ForgotPassword_without_a_token_is_refused_keeps_the_email_and_sends_nothing()
    {
        string email = $"fina-{Guid.NewGuid():N}@example.com";
        await app.CreateConfirmedUserAsync(email, Password);
        using HttpClient client = app.Client();

        HttpResponseMessage response = await BlazorIdentityApp.PostFormAsync(client, "/Account/ForgotPassword", "forgot-password", new() { ["Input.Email"] = email });

        string html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertRefusedWith(html, Missing);
        Assert.Contains($"value=\"{email}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Emails, e => e.Email == email);
    }

    [Fact]
    public async Task ForgotPassword_with_a_valid_token_sends_the_reset_link()
    {
        string email = $"gala-{Guid.NewGuid():N}@example.com";
        await app.CreateConfirmedUserAsync(email, Password);
        using HttpClient client = app.Client();

        HttpResponseMessage response = await BlazorIdentityApp.PostFormAsync(client, "/Account/ForgotPassword", "forgot-password", new()
        {
            ["Input.Email"] = email,
            ["CrafyCAPTCHA_token"] = await app.MintTokenAsync("forgot-password"),
        });

        Assert.Contains("Account/ForgotPasswordConfirmation", response.Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Contains(app.Emails, e => e.Kind == "reset-link" && e.Email == email);
    }

    [Fact]
    public async Task ResendEmailConfirmation_without_a_token_is_refused_and_sends_nothing()
    {
        string email = $"hana-{Guid.NewGuid():N}@example.com";
        using HttpClient client = app.Client();

        HttpResponseMessage response = await BlazorIdentityApp.PostFormAsync(client, "/Account/ResendEmailConfirmation", "resend-email-confirmation", new() { ["Input.Email"] = email });

        string html = await response.Content.ReadAsStringAsync();
        AssertRefusedWith(html, Missing);
        Assert.Contains($"value=\"{email}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Emails, e => e.Email == email);
    }

    [Fact]
    public async Task Newsletter_enhanced_form_refuses_a_tokenless_post_and_accepts_a_token()
    {
        using HttpClient client = app.Client();

        HttpResponseMessage refused = await BlazorIdentityApp.PostFormAsync(client, "/newsletter", "newsletter", new() { ["Input.Email"] = "ines@example.com" });
        HttpResponseMessage accepted = await BlazorIdentityApp.PostFormAsync(client, "/newsletter", "newsletter", new()
        {
            ["Input.Email"] = "ines@example.com",
            ["CrafyCAPTCHA_token"] = await app.MintTokenAsync("newsletter"),
        });

        string refusedHtml = await refused.Content.ReadAsStringAsync();
        AssertRefusedWith(refusedHtml, Missing);
        Assert.DoesNotContain("newsletter-subscribed", refusedHtml, StringComparison.Ordinal);
        Assert.Contains("Subscribed: ines@example.com", await accepted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The captcha's message is in the form's validation summary (from the EditContext) and under the widget.</summary>
    private static void AssertRefusedWith(string html, string message)
    {
        string encoded = System.Text.Encodings.Web.HtmlEncoder.Default.Encode(message);
        Assert.Matches("<ul class=\"[^\"]*\" role=\"alert\">(<li class=\"validation-message\">[^<]*</li>)*<li class=\"validation-message\">" + System.Text.RegularExpressions.Regex.Escape(encoded) + "</li>", html);
        Assert.Contains("<div class=\"validation-message crafy-captcha-message\" role=\"alert\">" + encoded + "</div>", html, StringComparison.Ordinal);
    }

    private static bool SignedIn(HttpResponseMessage response)
        => response.Headers.TryGetValues("Set-Cookie", out IEnumerable<string>? cookies)
            && cookies.Any(c => c.StartsWith(".AspNetCore.Identity.Application=", StringComparison.Ordinal) && !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
}
