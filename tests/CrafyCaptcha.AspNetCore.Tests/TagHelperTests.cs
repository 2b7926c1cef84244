using System.Text.RegularExpressions;
using CrafyCaptcha.AspNetCore.TagHelpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Snapshooter.Xunit;

namespace CrafyCaptcha.AspNetCore.Tests;

public sealed class TagHelperTests
{
    private static string Widgets(string html)
    {
        // The widget's markup only, with the per-request antiforgery token replaced by a placeholder.
        MatchCollection parts = Regex.Matches(html, "<div id=\"crafy-captcha-[^>]*></div>(<input type=\"hidden\" name=\"CrafyCAPTCHA_field\"[^>]*>)?(<script[^>]*></script>)?<script[^>]*>.*?</script>", RegexOptions.Singleline);
        string joined = string.Join("\n", parts.Select(m => m.Value));
        return Regex.Replace(joined, "\"__RequestVerificationToken\":\"[^\"]+\"", "\"__RequestVerificationToken\":\"<antiforgery>\"");
    }

    [Fact]
    public async Task Login_widget_markup_matches_the_snapshot()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();

        string html = await client.GetStringAsync("/Account/Login");

        Snapshot.Match(Widgets(html));
    }

    [Fact]
    public async Task Two_widgets_on_one_page_get_distinct_ids_and_input_names_and_one_script()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();

        string html = await client.GetStringAsync("/Contact");

        Snapshot.Match(Widgets(html));
        Assert.Single(Regex.Matches(html, "crafy-captcha\\.js"));
        Assert.Contains("id=\"crafy-captcha-1\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"crafy-captcha-2\"", html, StringComparison.Ordinal);
        Assert.Contains("\"inputName\":\"CrafyCAPTCHA_token\"", html, StringComparison.Ordinal);
        Assert.Contains("\"inputName\":\"CrafyCAPTCHA_token_2\"", html, StringComparison.Ordinal);
        Assert.Contains("\"theme\":\"dark\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_second_widgets_renamed_field_is_what_the_server_reads()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        var fields = new Dictionary<string, string>
        {
            ["author"] = "Ana",
            ["text"] = "from the second form",
            ["CrafyCAPTCHA_field"] = "CrafyCAPTCHA_token_2",
            ["CrafyCAPTCHA_token_2"] = await app.MintTokenAsync("comments"),
        };

        HttpResponseMessage response = await SampleApp.PostFormAsync(client, "/Contact", "/comments", fields);

        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
    }

    [Fact]
    public async Task Form_tag_helper_adds_the_widget_inside_the_form_after_the_antiforgery_field()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();

        string html = await client.GetStringAsync("/Register");

        string form = Regex.Match(html, "<form.*?</form>", RegexOptions.Singleline).Value;
        int antiforgery = form.IndexOf("__RequestVerificationToken\" type=\"hidden\"", StringComparison.Ordinal);
        int widget = form.IndexOf("id=\"crafy-captcha-1\"", StringComparison.Ordinal);
        Assert.True(antiforgery > 0 && widget > antiforgery, form);
        Assert.DoesNotContain("crafy-captcha=", form, StringComparison.Ordinal);
        Assert.Contains("\"fetchOptionsParameters\":{\"policy\":\"register\"", form, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/Account/Login")]
    [InlineData("/Register")]
    [InlineData("/Comments")]
    [InlineData("/Contact")]
    public async Task The_secret_key_never_reaches_a_page(string page)
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();

        string html = await client.GetStringAsync(page);

        Assert.DoesNotContain(SampleApp.SecretKey, html, StringComparison.Ordinal);
        Assert.DoesNotContain(SampleApp.SecretKey[3..20], html, StringComparison.Ordinal);
        Assert.Contains(SampleApp.PublicKey, html, StringComparison.Ordinal);
        Assert.Contains(SampleApp.SigningPublicKey.Replace("+", "\\u002B", StringComparison.Ordinal), html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Public_token_comes_from_the_api_once_and_is_cached()
    {
        await using FakeHostedApi api = await FakeHostedApi.StartAsync();
        api.FailNext = 1; // the first attempt fails with 503: the resilience handler retries it
        using var app = new SampleApp();
        app.Settings["CrafyCaptcha:ApiBaseUrl"] = api.BaseUrl.ToString();
        app.Settings["CrafyCaptcha:PublicTokenTimeout"] = "00:00:10"; // the first page waits for the retry
        using HttpClient client = app.Client();

        for (int i = 0; i < 5; i++)
        {
            string html = await client.GetStringAsync("/Account/Login");
            Assert.Contains($"\"{FakeHostedApi.PublicToken}\"", html, StringComparison.Ordinal);
        }

        Assert.Equal(2, api.AuthenticateCalls);
    }

    [Fact]
    public async Task Path_base_and_csp_nonce_are_respected()
    {
        using var app = new SampleApp
        {
            ConfigureServices = s =>
            {
                s.AddSingleton<IStartupFilter>(new PathBaseFilter("/shop"));
                s.Configure<CrafyCaptchaHttpOptions>(o => o.CspNonce = _ => "n0nce+/=");
            },
        };
        using HttpClient client = app.Client();

        string html = await client.GetStringAsync("/shop/Account/Login");

        Assert.Contains("<script src=\"/shop/_content/CrafyCaptcha.AspNetCore/crafy-captcha.js\" nonce=\"n0nce&#x2B;/=\"></script>", html, StringComparison.Ordinal);
        Assert.Contains("\"optionsUrl\":\"/shop/crafy-options\"", html, StringComparison.Ordinal);
        Assert.Matches("<script nonce=\"n0nce&#x2B;/=\">\\(function", html);
    }

    [Fact]
    public async Task Attribute_values_are_encoded_for_javascript_and_html()
    {
        using var app = new SampleApp();
        var renderer = app.Services.GetRequiredService<CrafyCaptchaWidgetRenderer>();
        var context = new DefaultHttpContext { RequestServices = app.Services };
        var widget = new CrafyCaptchaWidget
        {
            Theme = "</script><script>alert(1)</script>",
            InputName = "\"><img src=x onerror=alert(1)>",
            Style = new Dictionary<string, string?> { ["background"] = "red;}</style><script>alert(2)</script>" },
        };

        string html = await renderer.RenderAsync(context, widget);

        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains("\\u003C/script\\u003E", html, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Matches(html, "<script").Count); // the widget script and the init call, nothing injected
    }

    private sealed class PathBaseFilter(string pathBase) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UsePathBase(pathBase);
            next(app);
        };
    }
}
