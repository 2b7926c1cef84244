using System.Text.RegularExpressions;
using CrafyCaptcha.AspNetCore.TagHelpers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.DependencyInjection;
using Snapshooter.Xunit;

namespace CrafyCaptcha.AspNetCore.Tests;

public sealed class TagHelperTests
{
    private static string Widgets(string html)
    {
        // The widget's markup only, with the per-request antiforgery token and first eo replaced by placeholders.
        MatchCollection parts = Regex.Matches(html, "<div id=\"crafy-captcha-[^>]*><script[^>]*>.*?</script></div>(<input type=\"hidden\" name=\"CrafyCAPTCHA_field\"[^>]*>)?(<script[^>]*></script>)?", RegexOptions.Singleline);
        string joined = string.Join("\n", parts.Select(m => m.Value));
        joined = Regex.Replace(joined, "\"encryptedOptions\":\"[^\"]+\"", "\"encryptedOptions\":\"<eo>\"");
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
    public async Task A_page_carries_its_widgets_first_eo_uncached_and_within_the_clients_flow_budget()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();

        HttpResponseMessage first = await client.GetAsync("/Account/Login");
        string a = FirstEo(await first.Content.ReadAsStringAsync())!, b = FirstEo(await client.GetStringAsync("/Account/Login"))!;

        Assert.StartsWith(CrafyCaptcha.Cryptography.SecretBox.V3Prefix, a, StringComparison.Ordinal);
        Assert.NotEqual(a, b); // one flow per page view, never shared
        Assert.True(first.Headers.CacheControl is { NoStore: true, NoCache: true }, first.Headers.CacheControl?.ToString());

        // A flood of page views spends the same budget as the options endpoint (120 flows a minute per client): then the
        // pages still render, without an eo, and the widget asks the options endpoint, which says why it refuses.
        for (int i = 0; i < 118; i++)
        {
            Assert.NotNull(FirstEo(await client.GetStringAsync("/Account/Login")));
        }

        string spent = await client.GetStringAsync("/Account/Login");
        Assert.Contains("id=\"crafy-captcha-1\"", spent, StringComparison.Ordinal);
        Assert.Null(FirstEo(spent));
        Assert.Contains("\"optionsUrl\":\"/crafy-options\"", spent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(120)] // every page view carries its own eo
    [InlineData(1)] // only the first does: the others differ by their language build alone
    public async Task An_output_cached_page_never_stores_its_widgets_eo_or_language_build(int flowsPerMinute)
    {
        // A site that output-caches every page (a base policy): the widget's page must still be made per request, or
        // every visitor would get the first visitor's single-use eo and language. The default policy stores a response
        // without Set-Cookie, whatever its Cache-Control says (the antiforgery cookie is only set on the first visit).
        using var app = new SampleApp
        {
            ConfigureServices = s =>
            {
                s.AddOutputCache(o => o.AddBasePolicy(b => b.Cache().Expire(TimeSpan.FromMinutes(5))));
                s.AddTransient<IStartupFilter, OutputCacheFirst>();
                s.Configure<CrafyCaptchaHttpOptions>(o => o.OptionsEndpointPermitsPerMinute = flowsPerMinute);
            },
        };
        using HttpClient client = app.Client();
        var eos = new List<string?>();
        var scripts = new List<string>();
        foreach (string language in new[] { "de-DE", "de-DE", "en-US", "fr-FR" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/Login");
            request.Headers.TryAddWithoutValidation("Accept-Language", language);
            using HttpResponseMessage response = await client.SendAsync(request);
            string html = await response.Content.ReadAsStringAsync();
            eos.Add(FirstEo(html));
            scripts.Add(Regex.Match(html, "crafy-captcha\\.(..)\\.min\\.js").Groups[1].Value);
        }

        Assert.Equal(flowsPerMinute == 1 ? 1 : eos.Count, eos.Count(eo => eo is not null));
        Assert.Equal(eos.Count(eo => eo is not null), eos.Where(eo => eo is not null).Distinct().Count());
        Assert.Equal(["de", "de", "en", "fr"], scripts);

        // The cache itself works for other pages, so the test would see a stored page.
        (await client.GetAsync("/")).EnsureSuccessStatusCode();
        using HttpResponseMessage stored = await client.GetAsync("/");
        Assert.NotNull(stored.Headers.Age);
    }

    [Fact]
    public async Task An_output_cached_page_without_an_eo_still_never_stores_one_visitors_antiforgery_token()
    {
        // The budget is spent and the request names no language: the page carries no eo and the all-language build, but
        // still this visitor's antiforgery token for the options endpoint. Stored, it would be every visitor's.
        using var app = new SampleApp
        {
            ConfigureServices = s =>
            {
                s.AddOutputCache(o => o.AddBasePolicy(b => b.Cache().Expire(TimeSpan.FromMinutes(5))));
                s.AddTransient<IStartupFilter, OutputCacheFirst>();
                s.Configure<CrafyCaptchaHttpOptions>(o => o.OptionsEndpointPermitsPerMinute = 1);
            },
        };
        using HttpClient attacker = app.Client();
        for (int i = 0; i < 3; i++)
        {
            (await attacker.GetAsync("/Account/Login")).EnsureSuccessStatusCode(); // the first sets the cookie; later ones could be stored
        }

        using HttpClient visitor = app.Client();
        using HttpResponseMessage page = await visitor.GetAsync("/Account/Login");
        string html = await page.Content.ReadAsStringAsync();

        Assert.Null(page.Headers.Age); // made for this visitor, not served from the cache
        Assert.Contains("\"__RequestVerificationToken\":\"", html, StringComparison.Ordinal);
        Assert.Contains(".AspNetCore.Antiforgery", string.Join(';', page.Headers.GetValues("Set-Cookie")), StringComparison.Ordinal);
    }

    private sealed class OutputCacheFirst : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseOutputCache();
            next(app);
        };
    }

    private static string? FirstEo(string html)
        => Regex.Match(html, "\"encryptedOptions\":\"([^\"]+)\"") is { Success: true } m ? Regex.Unescape(m.Groups[1].Value) : null;

    [Fact]
    public async Task Two_widgets_on_one_page_get_distinct_ids_and_input_names_and_one_script()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();

        string html = await client.GetStringAsync("/Contact");

        Snapshot.Match(Widgets(html));
        Assert.Single(Regex.Matches(html, "crafy-captcha\\.min\\.js"));
        Assert.Contains("id=\"crafy-captcha-1\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"crafy-captcha-2\"", html, StringComparison.Ordinal);
        Assert.Contains("\"inputName\":\"CrafyCAPTCHA_token\"", html, StringComparison.Ordinal);
        Assert.Contains("\"inputName\":\"CrafyCAPTCHA_token_2\"", html, StringComparison.Ordinal);
        Assert.Contains("\"theme\":\"dark\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, false, true)] // the page's own empty input beside the widget's: the token is the one value
    [InlineData(false, false, true)] // the widget's input first, the page's empty one after
    [InlineData(true, true, false)] // two different tokens: which one the person meant is unknown, so none
    public async Task A_field_posted_twice_counts_only_when_it_has_one_non_empty_value(bool emptyFirst, bool twoTokens, bool accepted)
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        string token = await app.MintTokenAsync("comments");
        string other = twoTokens ? await app.MintTokenAsync("comments") : string.Empty;
        string text = "posted twice " + Guid.NewGuid().ToString("N");
        var fields = new List<KeyValuePair<string, string>>
        {
            new("author", "Ana"),
            new("text", text),
            new("__RequestVerificationToken", await SampleApp.AntiforgeryTokenAsync(client, "/Comments")),
        };
        fields.AddRange(emptyFirst ? [new("CrafyCAPTCHA_token", other), new("CrafyCAPTCHA_token", token)] : [new("CrafyCAPTCHA_token", token), new("CrafyCAPTCHA_token", other)]);

        using HttpResponseMessage response = await client.PostAsync("/comments", new FormUrlEncodedContent(fields));

        // Accepted: the comment is listed. Refused: the form comes back with the message, and nothing is listed.
        string listed = await client.GetStringAsync("/Comments");
        Assert.Equal(accepted, listed.Contains(text, StringComparison.Ordinal) && !listed.Contains($">{text}</textarea>", StringComparison.Ordinal));
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
    public async Task Form_tag_helper_puts_the_widget_inside_the_form_before_its_submit_button()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();

        string html = await client.GetStringAsync("/Register");

        string form = Regex.Match(html, "<form.*?</form>", RegexOptions.Singleline).Value;
        int email = form.IndexOf("id=\"Input_Email\"", StringComparison.Ordinal);
        int widget = form.IndexOf("id=\"crafy-captcha-1\"", StringComparison.Ordinal);
        int submit = form.IndexOf("<button type=\"submit\">", StringComparison.Ordinal);
        Assert.True(email > 0 && widget > email && submit > widget, form);
        Assert.Contains("__RequestVerificationToken\" type=\"hidden\"", form, StringComparison.Ordinal);
        Assert.DoesNotContain("crafy-captcha=", form, StringComparison.Ordinal);
        Assert.Contains("\"fetchOptionsParameters\":{\"policy\":\"register\"", form, StringComparison.Ordinal);
        Assert.Contains("\"theme\":\"auto\"", form, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<input name=a><button>Go</button>", "<input name=a>|<button>Go</button>")]
    [InlineData("<input name=a><BUTTON class=x TYPE=SUBMIT>Go</BUTTON>", "<input name=a>|<BUTTON")]
    [InlineData("<button type=button>Show</button><button type='reset'>R</button><input type=submit value=Go>", "<button type='reset'>R</button>|<input type=submit")]
    [InlineData("<input value=\"<button>\" type=text><input class=c type = \"image\" src=x.png>", "type=text>|<input class=c type = \"image\"")]
    [InlineData("<p>Type <code>&lt;button&gt;</code> here</p><!-- <button>old</button> --><textarea><button></textarea><script>var s = \"<button>\";</script><input type=\"submit\">", "</script>|<input type=\"submit\">")]
    [InlineData("<div class=\"actions\"><a href=\"/\">Cancel</a> <span><button data-x=\"a>b\" id=go>Save</button></span></div>", "</a> |<span><button")]
    [InlineData("<p class=row><label>Ok <button>Send</button></label></p>", "|<p class=row>")]
    [InlineData("<template><button>t</button></template><button type=\"fancy\">Go</button>", "</template>|<button type=\"fancy\">")]
    [InlineData("<button form=\"other\">Elsewhere</button><button form=\"mine\">Here</button>", "Elsewhere</button>|<button form=\"mine\">")]
    public void The_widget_goes_before_the_first_submit_control(string content, string expected)
    {
        int at = SubmitControlLocator.FindInsertionPoint(content, "mine");

        Assert.True(at >= 0, "a submit control is found");
        string marked = content.Insert(at, "|");
        Assert.Contains(expected, marked, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(marked, "\\|"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("<input name=a><button type=button>Show</button><input type=\"reset\">")]
    [InlineData("<span title=\"<button>\">x</span><textarea>\n<button>\n</textarea><!-- <input type=submit> -->")]
    [InlineData("<button form=other>Elsewhere</button>")]
    [InlineData("text with a lone < and <button")]
    public void Without_a_submit_control_the_widget_goes_at_the_end(string content)
    {
        int at = SubmitControlLocator.FindInsertionPoint(content, "mine");

        Assert.Equal(-1, at);
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

    [Theory]
    [InlineData("de-DE,de;q=0.9,en;q=0.8", "crafy-captcha.de.min.js")]
    [InlineData("en;q=0.5, ar-EG", "crafy-captcha.ar.min.js")] // the highest quality wins, not the first tag
    [InlineData("zh_CN", "crafy-captcha.zh.min.js")]
    [InlineData("nl-NL,nl;q=0.9", "crafy-captcha.min.js")] // a language the widget lacks: the build with every language
    [InlineData("*", "crafy-captcha.min.js")]
    [InlineData("fr;q=0", "crafy-captcha.min.js")] // refused, not preferred
    [InlineData(null, "crafy-captcha.min.js")]
    public async Task A_page_loads_the_widget_build_with_only_its_visitors_language(string? acceptLanguage, string script)
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/Login");
        if (acceptLanguage is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        }

        using HttpResponseMessage response = await client.SendAsync(request);
        string html = await response.Content.ReadAsStringAsync();

        Assert.Contains($"<script src=\"/_content/CrafyCaptcha.AspNetCore/{script}\" async></script>", html, StringComparison.Ordinal);
        Assert.Equal(script != "crafy-captcha.min.js", response.Headers.Vary.Contains("Accept-Language"));
        Assert.DoesNotContain("turnstileBridgeUrl", html, StringComparison.Ordinal); // it is beside the package's own script
        // The build is served (a static web asset of the package) and carries its language only.
        using HttpResponseMessage served = await client.GetAsync("/_content/CrafyCaptcha.AspNetCore/" + script);
        Assert.Equal(System.Net.HttpStatusCode.OK, served.StatusCode);
        string widget = await served.Content.ReadAsStringAsync();
        Assert.Contains("CrafyCAPTCHA", widget, StringComparison.Ordinal);
        Assert.Equal(script == "crafy-captcha.min.js" || script.Contains(".de.", StringComparison.Ordinal), widget.Contains("Bestätigt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_renderers_languages_are_exactly_the_shipped_language_builds()
    {
        DirectoryInfo root = new(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "CrafyCaptcha.AspNetCore.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("the repository root was not found");
        }

        string[] builds = [.. Directory.GetFiles(Path.Combine(root.FullName, "src/CrafyCaptcha.AspNetCore/wwwroot"), "crafy-captcha.??.min.js").Select(f => Path.GetFileName(f)[14..16]).Order()];
        Assert.Equal(builds, CrafyCaptchaWidgetRenderer.WidgetLanguages.Order());

        using var app = new SampleApp();
        using HttpClient client = app.Client();
        foreach (string language in CrafyCaptchaWidgetRenderer.WidgetLanguages)
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync($"/_content/CrafyCaptcha.AspNetCore/crafy-captcha.{language}.min.js")).StatusCode);
        }
    }

    [Fact]
    public async Task A_configured_widget_script_is_loaded_as_it_is_whatever_the_language()
    {
        using var app = new SampleApp { ConfigureServices = s => s.Configure<CrafyCaptchaHttpOptions>(o => o.WidgetScriptUrl = "https://cdn.example/crafy.js") };
        using HttpClient client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/Login");
        request.Headers.TryAddWithoutValidation("Accept-Language", "de-DE");

        using HttpResponseMessage response = await client.SendAsync(request);

        string html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"https://cdn.example/crafy.js\" async></script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Accept-Language", response.Headers.Vary);
        // Nothing is beside that script: the widget is told where the package's Turnstile bridge is.
        Assert.Contains("\"turnstileBridgeUrl\":\"/_content/CrafyCaptcha.AspNetCore/crafy-captcha-turnstile.min.js\"", html, StringComparison.Ordinal);
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

        Assert.Contains("<script src=\"/shop/_content/CrafyCaptcha.AspNetCore/crafy-captcha.min.js\" nonce=\"n0nce&#x2B;/=\" async></script>", html, StringComparison.Ordinal);
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
