using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.AspNetCore;
using CrafyCaptcha.Server.Credentials;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The plain-HTML/SPA path in chromium: a static HTML page (no Razor, no Blazor) reads <c>MapCrafyWidgetSettings()</c>
/// with the README's snippet and starts the widget; its plain form and its fetch-based form post to a minimal API. A
/// pass is accepted; a missing, forged or other browser's token is refused with the codes a server-rendered form gets.
/// </summary>
[Collection("Browser")]
public sealed class WidgetSettingsBrowserTests(WidgetSettingsBrowserTests.SpaSite site) : IClassFixture<WidgetSettingsBrowserTests.SpaSite>
{
    /// <summary>The README's snippet (plain HTML/SPA section), with a plain form and a fetch-based one.</summary>
    internal const string Page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Static page</title></head><body>
        <form id="comment" method="post" action="/comments">
          <textarea name="text">hello from a static page</textarea>
          <div id="captcha"></div>
          <button type="submit">Send</button>
        </form>
        <p id="result"></p>
        <script>
          // CrafyCAPTCHA on a page that Razor does not render: app.MapCrafyWidgetSettings() gives init's arguments.
          fetch("/crafy-settings?policy=comments").then(function (r) { return r.json(); }).then(function (s) {
            var form = document.getElementById("comment");
            // The antiforgery token, for an endpoint that checks it (a [FromForm] minimal API, MVC, Razor Pages).
            var af = document.createElement("input");
            af.type = "hidden"; af.name = s.antiforgery.formFieldName; af.value = s.antiforgery.requestToken;
            form.appendChild(af);
            if (form.dataset.fetch) { sendWithFetch(form, s); }
            var script = document.createElement("script");
            script.src = s.scriptUrl;
            script.onload = function () {
              new CrafyCAPTCHA().init("captcha", s.publicKey, s.publicToken, s.signingPublicKey, s.options, s.internalOptions);
            };
            document.head.appendChild(script);
          });

          // A fetch-based form (an SPA): the token goes in the header, the widget starts a new challenge afterwards.
          function sendWithFetch(form, s) {
            form.addEventListener("submit", function (e) {
              e.preventDefault();
              var token = form.querySelector("input[name='" + s.options.inputName + "']");
              if (!token || !token.value) { return; } // the widget holds the submit until it has a token
              var headers = { "Content-Type": "application/json" };
              headers[s.tokenHeaderName] = token.value;
              headers[s.antiforgery.headerName] = s.antiforgery.requestToken;
              fetch(form.dataset.fetch, { method: "POST", headers: headers, body: JSON.stringify({ text: form.text.value }) })
                .then(function (r) { return r.json(); })
                .then(function (j) { document.getElementById("result").textContent = JSON.stringify(j); CrafyCAPTCHA.get("captcha").reset(); });
            });
          }
        </script>
        </body></html>
        """;

    private const string TokenFilled = "() => { const i = document.querySelector('#captcha input[name=\"CrafyCAPTCHA_token\"]'); return !!i && i.value.length > 100; }";

    private async Task<IPage> OpenAsync(string path)
    {
        IPage page = await site.Browser.NewPageAsync(site.BaseUrl);
        await page.GotoAsync(path);
        await page.WaitForFunctionAsync(TokenFilled, null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        return page;
    }

    private static Task<string> TokenAsync(IPage page) => page.Locator("#captcha input[name=CrafyCAPTCHA_token]").InputValueAsync();

    [Fact]
    public async Task A_static_pages_plain_form_passes()
    {
        IPage page = await OpenAsync("/static.html");
        IResponse posted = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("button[type=submit]"),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/comments", StringComparison.Ordinal));
        Assert.Equal(200, posted.Status);
        // The new document's text, awaited by a locator (not by the frame's load event: WaitForURLAsync's wait for "load"
        // after the URL changed timed out once on CI while the page had loaded).
        await Assertions.Expect(page.Locator("body")).ToHaveTextAsync("saved: hello from a static page");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_static_pages_form_without_a_token_or_with_a_forged_one_is_refused_with_the_codes_of_a_server_rendered_form()
    {
        IPage page = await OpenAsync("/static.html");
        string antiforgery = await page.Locator("input[name=__RequestVerificationToken]").InputValueAsync();
        string token = await TokenAsync(page);

        // The browser's own cookies (visitor, antiforgery): only the token differs between these posts.
        async Task<(int Status, string? Code)> PostAsync(string? captchaToken)
        {
            IFormData data = page.Context.APIRequest.CreateFormData().Set("text", "x").Set("__RequestVerificationToken", antiforgery);
            if (captchaToken is not null)
            {
                data.Set("CrafyCAPTCHA_token", captchaToken);
            }

            IAPIResponse response = await page.Context.APIRequest.PostAsync("/comments", new APIRequestContextOptions { Form = data });
            string body = await response.TextAsync();
            return (response.Status, response.Status == 400 ? JsonNode.Parse(body)?["code"]?.GetValue<string>() : body);
        }

        Assert.Equal((400, CrafyCaptchaErrorCodes.Missing), await PostAsync(null));
        Assert.Equal((400, CrafyCaptchaErrorCodes.Invalid), await PostAsync(Forge(token)));
        Assert.Equal((200, "saved: x"), await PostAsync(token));
        Assert.Equal((400, CrafyCaptchaErrorCodes.Replayed), await PostAsync(token));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_fetch_based_form_passes_and_a_missing_or_forged_token_is_refused_with_the_codes_of_a_server_rendered_form()
    {
        IPage page = await OpenAsync("/fetch.html");

        // The page's own fetch form: the token in the header, the antiforgery token beside it.
        await page.ClickAsync("button[type=submit]");
        await page.WaitForFunctionAsync("() => document.getElementById('result').textContent.length > 0");
        string result = await page.Locator("#result").InnerTextAsync();
        Assert.True(result == "{\"saved\":\"hello from a static page\"}", result);

        // The widget started a new challenge after the post: its token forged, or no token at all, is refused.
        await page.WaitForFunctionAsync(TokenFilled, null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        const string Post = "t => fetch('/api/comments', { method: 'POST', headers: t ? { 'Content-Type': 'application/json', 'X-Crafy-Captcha-Token': t } : { 'Content-Type': 'application/json' }, body: '{\"text\":\"x\"}' }).then(r => r.json().then(j => r.status + ' ' + j.code))";
        Assert.Equal("400 " + CrafyCaptchaErrorCodes.Invalid, await page.EvaluateAsync<string>(Post, Forge(await TokenAsync(page))));
        Assert.Equal("400 " + CrafyCaptchaErrorCodes.Missing, await page.EvaluateAsync<string>(Post, string.Empty));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_token_is_bound_to_the_browser_that_fetched_the_settings()
    {
        IPage page = await OpenAsync("/fetch.html");
        string token = await TokenAsync(page);
        IPage other = await site.Browser.NewPageAsync(site.BaseUrl);
        await other.GotoAsync("/fetch.html");
        await other.WaitForFunctionAsync(TokenFilled, null, new PageWaitForFunctionOptions { Timeout = 30_000 }); // it has a visitor cookie of its own
        string code = await other.EvaluateAsync<string>("t => fetch('/api/comments', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Crafy-Captcha-Token': t }, body: '{\"text\":\"stolen\"}' }).then(r => r.json()).then(j => j.code)", token);
        Assert.Equal(CrafyCaptchaErrorCodes.WrongVisitor, code);
        await other.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    /// <summary>The token with its server signature replaced: what a forger without the secret key can make.</summary>
    private static string Forge(string token)
    {
        JsonNode envelope = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)))!;
        envelope["server_sign"] = Convert.ToBase64String(new byte[32]);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(envelope.ToJsonString()));
    }

    /// <summary>
    /// A minimal API with the embedded engine on Kestrel (127.0.0.1, Development), its static pages written to its web
    /// root, and chromium. Velocity budgets raised as in <see cref="BrowserFixture"/>.
    /// </summary>
    public sealed class SpaSite : IAsyncLifetime
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "crafy-spa-" + Guid.NewGuid().ToString("N"));
        private PersonBrowser? _browser;
        private WebApplication? _app;

        public PersonBrowser Browser => _browser!;

        public Uri BaseUrl { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(Path.Combine(_root, "wwwroot"));
            await File.WriteAllTextAsync(Path.Combine(_root, "wwwroot", "static.html"), Page);
            await File.WriteAllTextAsync(Path.Combine(_root, "wwwroot", "fetch.html"), Page.Replace("<form id=\"comment\"", "<form id=\"comment\" data-fetch=\"/api/comments\"", StringComparison.Ordinal));
            _app = Build(_root, Environments.Development);
            await _app.StartAsync();
            BaseUrl = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            _browser = await PersonBrowser.LaunchAsync();
        }

        /// <summary>The site: static files (the widget from the package's static web assets), the two endpoints, the engine.</summary>
        internal static WebApplication Build(string root, string environment, IDictionary<string, string?>? settings = null)
        {
            // The test assembly is no web project: the sample's static web assets manifest (built beside it) serves the widget.
            WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                ApplicationName = "CrafyCaptcha.Sample",
                EnvironmentName = environment,
                ContentRootPath = root,
                WebRootPath = Path.Combine(root, "wwwroot"),
            });
            builder.WebHost.UseStaticWebAssets();
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CrafyChallengeServer:DevelopmentCredentialPath"] = Path.Combine(root, "dev-credential.json"),
                ["CrafyChallengeServer:Risk:IpFreeLoads"] = "10000",
                ["CrafyChallengeServer:Risk:IpLoadsRefused"] = "100000",
                ["CrafyChallengeServer:Risk:NetworkFreeLoads"] = "10000",
            });
            if (environment != Environments.Development)
            {
                // Outside Development the engine serves only configured credentials, and the site names its keys.
                ChallengeCredential credential = CredentialGenerator.Create();
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["CrafyChallengeServer:UseDevelopmentCredential"] = "false",
                    ["CrafyChallengeServer:Credentials:0:PublicKey"] = credential.PublicKey,
                    ["CrafyChallengeServer:Credentials:0:SecretKey"] = credential.SecretKey,
                    ["CrafyChallengeServer:Credentials:0:SigningPrivateKey"] = credential.SigningPrivateKey,
                    ["CrafyChallengeServer:Credentials:0:PublicToken"] = credential.PublicToken,
                    ["CrafyCaptcha:PublicKey"] = credential.PublicKey,
                    ["CrafyCaptcha:SecretKey"] = credential.SecretKey,
                });
            }

            if (settings is not null)
            {
                builder.Configuration.AddInMemoryCollection(settings);
            }

            builder.Services.AddCrafyCaptcha().AddEmbeddedChallengeServer().AddFlowPolicy("comments", p => p.Mode = FlowMode.Auto);
            WebApplication app = builder.Build();
            app.UseStaticFiles();
            app.UseAntiforgery();
            app.MapCrafyOptions();
            app.MapCrafyWidgetSettings();
            app.MapCrafyChallengeServer();
            app.MapPost("/comments", ([FromForm] string text) => Results.Text("saved: " + text)).RequireCrafyCaptcha("comments");
            app.MapPost("/api/comments", (CommentBody body) => Results.Json(new { saved = body.Text })).RequireCrafyCaptcha("comments");
            return app;
        }

        public async Task DisposeAsync()
        {
            if (_browser is not null)
            {
                await _browser.DisposeAsync();
            }

            if (_app is not null)
            {
                await _app.DisposeAsync();
            }

            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>The fetch form's JSON body.</summary>
    public sealed record CommentBody(string Text);
}
