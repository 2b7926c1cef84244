using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.AspNetCore.Internal;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.TagHelpers;

/// <summary>Writes a widget's HTML: container, script once per page, init call. Shared by both tag helpers.</summary>
internal sealed class CrafyCaptchaWidgetRenderer
{
    private static readonly object PageStateKey = new();
    private static readonly JsonSerializerOptions ScriptJson = new() { Encoder = JavaScriptEncoder.Default };

    private readonly CrafyCaptchaOptions _captchaOptions;
    private readonly CrafyCaptchaHttpOptions _options;
    private readonly ICrafyPublicTokenProvider _publicToken;
    private readonly LinkGenerator _links;
    private readonly IAntiforgery _antiforgery;
    private readonly FlowIssuer _flows;
    private readonly bool _development;

    public CrafyCaptchaWidgetRenderer(
        IOptions<CrafyCaptchaOptions> captchaOptions,
        IOptions<CrafyCaptchaHttpOptions> options,
        ICrafyPublicTokenProvider publicToken,
        LinkGenerator links,
        IAntiforgery antiforgery,
        FlowIssuer flows,
        IHostEnvironment environment)
    {
        _development = environment.IsDevelopment();
        _captchaOptions = captchaOptions.Value;
        _options = options.Value;
        _publicToken = publicToken;
        _links = links;
        _antiforgery = antiforgery;
        _flows = flows;
    }

    public async Task<string> RenderAsync(HttpContext httpContext, CrafyCaptchaWidget widget)
    {
        PageState page = PageState.For(httpContext);
        int number = ++page.Widgets;
        string policyName = widget.Policy ?? CrafyCaptchaHttpOptions.DefaultPolicyName;
        CrafyFlowPolicy policy = _options.GetPolicyForWidget(policyName, $"<crafy-captcha policy=\"{policyName}\">");
        if (policy.BindToVisitor)
        {
            // The page sets the visitor cookie: several widgets on a first visit ask their flows at once, and without
            // a cookie each answer would set its own, so all but the last widget's token would belong to another visitor.
            VisitorCookie.GetOrCreate(httpContext);
        }

        string containerId = string.Create(CultureInfo.InvariantCulture, $"crafy-captcha-{number}");
        string inputName = widget.InputName ?? (number == 1 ? policy.FormFieldName : string.Create(CultureInfo.InvariantCulture, $"{policy.FormFieldName}_{number}"));
        string? nonce = _options.CspNonce?.Invoke(httpContext);
        WidgetInit init = await CreateInitAsync(httpContext, policy, policyName, inputName, widget.Theme, widget.AutoLoad, nonce).ConfigureAwait(false);
        string? publicToken = init.PublicToken;

        var html = new StringBuilder(1024);
        html.Append("<div id=\"").Append(HtmlEncoder.Default.Encode(containerId))
            .Append("\" class=\"crafy-captcha\" data-crafy-policy=\"").Append(HtmlEncoder.Default.Encode(policyName)).Append('"');
        if (publicToken is null)
        {
            html.Append(" data-crafy-error=\"public_token_unavailable\"");
        }

        html.Append('>');
        var after = new StringBuilder();
        if (inputName != policy.FormFieldName)
        {
            after.Append("<input type=\"hidden\" name=\"").Append(CrafyCaptchaRequestVerifier.FieldNameField)
                .Append("\" value=\"").Append(HtmlEncoder.Default.Encode(inputName)).Append("\" />");
        }

        string nonceAttribute = nonce is null ? string.Empty : $" nonce=\"{HtmlEncoder.Default.Encode(nonce)}\"";
        if (!page.ScriptWritten)
        {
            page.ScriptWritten = true;
            string src = WidgetScript(httpContext, httpContext.Request.PathBase, _options.WidgetScriptUrl);
            // async: the rest of the page is parsed and shown while the widget loads (each widget's call below waits for
            // it with the CrafyCAPTCHALoaded event when it is not there yet).
            after.Append("<script src=\"").Append(HtmlEncoder.Default.Encode(src)).Append('"').Append(nonceAttribute).Append(" async></script>");
        }

        JsonObject initOptions = init.Options;
        var style = new JsonObject();
        foreach ((string key, string? value) in widget.Style)
        {
            if (value is not null)
            {
                style[key] = value;
            }
        }

        if (style.Count > 0)
        {
            initOptions["style"] = style;
        }

        string arguments = string.Join(',',
            JsonSerializer.Serialize(_captchaOptions.PublicKey, ScriptJson),
            JsonSerializer.Serialize(publicToken ?? string.Empty, ScriptJson),
            JsonSerializer.Serialize(_captchaOptions.SigningPublicKey ?? string.Empty, ScriptJson),
            initOptions.ToJsonString(ScriptJson),
            init.InternalOptions.ToJsonString(ScriptJson));
        string autoLoad = widget.AutoLoad ? string.Empty : "c.setAutoLoad(false);";
        // The call sits inside its container and hands the widget its parent element (document.currentScript, through
        // Document's own getter), not the page's first element with the container's id: markup shown above the form (a
        // comment with that id) must not capture the widget, also where the parser moves the container (a table). Only
        // where the script does not run in place (a loader such as jQuery's .html() runs it from <head>) the id it is.
        // window.CrafyCAPTCHA counts only as a function (an <img name="CrafyCAPTCHA"> is not).
        string id = JsonSerializer.Serialize(containerId, ScriptJson);
        html.Append("<script").Append(nonceAttribute).Append(">(function(w,d){var e=Object.getOwnPropertyDescriptor(Document.prototype,\"currentScript\").get.call(d);")
            .Append("e=e&&e.parentElement;if(!e||e.id!==").Append(id).Append("){e=").Append(id).Append(";}")
            .Append("function s(){var c=new w.CrafyCAPTCHA();")
            .Append(autoLoad)
            .Append("c.init(e,").Append(arguments).Append(");}")
            .Append("if(typeof w.CrafyCAPTCHA===\"function\"){s();}else{w.addEventListener(\"CrafyCAPTCHALoaded\",s,{once:true});}})(window,document);</script></div>")
            .Append(after);
        return html.ToString();
    }

    /// <summary>
    /// What <c>CrafyCAPTCHA.init</c> is called with for one widget of <paramref name="policy"/>, as the tag helper and the
    /// settings endpoint (<c>MapCrafyWidgetSettings</c>) give it: the public token (<see langword="null"/> when the server
    /// could not get it), the options (input name, options endpoint, theme, a first eo when <paramref name="withEo"/> and the
    /// client's budget allows, iframe, bridge, CSP nonce, and in Development <c>devHints</c>) and the internal options (the options endpoint's parameters:
    /// the policy and, when that endpoint requires it, this visitor's antiforgery token). Public values only.
    /// </summary>
    internal async Task<WidgetInit> CreateInitAsync(HttpContext httpContext, CrafyFlowPolicy policy, string policyName, string inputName, string? theme, bool withEo, string? cspNonce)
    {
        string? publicToken = await _publicToken.GetPublicTokenAsync(httpContext.RequestAborted).ConfigureAwait(false);
        string? optionsUrl = _links.GetPathByName(httpContext, OptionsEndpoint.EndpointName, values: null);
        var initOptions = new JsonObject { ["inputName"] = inputName };
        if (optionsUrl is not null)
        {
            initOptions["optionsUrl"] = optionsUrl;
        }

        initOptions["theme"] = string.IsNullOrEmpty(theme) ? "auto" : theme;

        // A widget that loads at once gets its first eo with the page (one round trip less before the challenge; later
        // ones come from optionsUrl). It is single-use, so the page is not cached. Without budget or store: none.
        if (withEo && publicToken is not null && await _flows.TryCreateForPageAsync(httpContext, policy, policyName).ConfigureAwait(false) is { } eo)
        {
            initOptions["encryptedOptions"] = eo;
        }

        if (_options.IframeUrl is not null)
        {
            initOptions["iframeUrl"] = AppRelative(httpContext, _options.IframeUrl);
        }

        if (TurnstileBridge(httpContext.Request.PathBase, _options.WidgetScriptUrl) is { } bridge)
        {
            initOptions["turnstileBridgeUrl"] = bridge;
        }

        if (cspNonce is not null)
        {
            initOptions["cspNonce"] = cspNonce;
        }

        if (_development)
        {
            // The Development environment only: the widget names the reason of its error states in the browser console.
            initOptions["devHints"] = true;
        }

        var fetchParameters = new JsonObject { ["policy"] = policyName };
        if (_options.OptionsEndpointRequiresAntiforgery)
        {
            // This visitor's antiforgery token: a page that carries it is theirs alone (stored in the output cache, it
            // would be every visitor's, and the options endpoint would refuse them all).
            FlowIssuer.KeepOutOfOutputCache(httpContext);
            fetchParameters["__RequestVerificationToken"] = _antiforgery.GetAndStoreTokens(httpContext).RequestToken;
        }

        return new WidgetInit(publicToken, initOptions, new JsonObject { ["fetchOptionsParameters"] = fetchParameters });
    }

    private static string AppRelative(HttpContext httpContext, string url) => AppRelative(httpContext.Request.PathBase, url);

    /// <summary>An app-relative URL (<c>~/…</c>) under <paramref name="pathBase"/>; any other URL as it is. Shared with the Blazor state provider.</summary>
    internal static string AppRelative(PathString pathBase, string url)
        => url.StartsWith("~/", StringComparison.Ordinal) ? pathBase.Add(new PathString(url[1..])).ToString() : url;

    /// <summary>The languages of the widget's table, each with a build of its own (<c>crafy-captcha.{lang}.min.js</c>).</summary>
    internal static readonly System.Collections.Frozen.FrozenSet<string> WidgetLanguages =
        System.Collections.Frozen.FrozenSet.ToFrozenSet(["es", "en", "fr", "pt", "de", "it", "ru", "zh", "ja", "hi", "ar", "he"], StringComparer.Ordinal);

    /// <summary>
    /// The widget script for a page. With the default <see cref="CrafyCaptchaHttpOptions.WidgetScriptUrl"/> and a request
    /// whose preferred language (its first <c>Accept-Language</c> tag of the highest quality; browsers build that header
    /// from the same setting as <c>navigator.languages</c>, which the widget reads) is one the widget has: the build
    /// with only that language, about 1.1 KB gzipped less, and the page varies by <c>Accept-Language</c>. Otherwise the
    /// configured URL (the default build carries every language). Shared with the Blazor state provider.
    /// </summary>
    internal static string WidgetScript(HttpContext? httpContext, PathString pathBase, string url)
    {
        // A response already under way can no longer say it varies by language: it gets the build with every language.
        if (url == CrafyCaptchaHttpOptions.DefaultWidgetScriptUrl && httpContext is { Response.HasStarted: false } && PreferredLanguage(httpContext.Request) is { } language)
        {
            IHeaderDictionary headers = httpContext.Response.Headers;
            if (!headers.Vary.Any(v => v is not null && v.Contains(Microsoft.Net.Http.Headers.HeaderNames.AcceptLanguage, StringComparison.OrdinalIgnoreCase)))
            {
                headers.Append(Microsoft.Net.Http.Headers.HeaderNames.Vary, Microsoft.Net.Http.Headers.HeaderNames.AcceptLanguage);
            }

            url = string.Concat("~/_content/CrafyCaptcha.AspNetCore/crafy-captcha.", language, ".min.js");
            FlowIssuer.KeepOutOfOutputCache(httpContext);
        }

        return AppRelative(pathBase, url);
    }

    /// <summary>
    /// Where the widget loads its Turnstile bridge from when the configured widget script is not the package's own file (a
    /// bundle, a fingerprinted copy, a CDN): the package's bridge. <see langword="null"/> with the default script, beside
    /// which the widget finds it. Shared with the Blazor state provider.
    /// </summary>
    internal static string? TurnstileBridge(PathString pathBase, string widgetScriptUrl)
        => widgetScriptUrl == CrafyCaptchaHttpOptions.DefaultWidgetScriptUrl ? null : AppRelative(pathBase, "~/_content/CrafyCaptcha.AspNetCore/crafy-captcha-turnstile.min.js");


    private static string? PreferredLanguage(HttpRequest request)
    {
        IList<Microsoft.Net.Http.Headers.StringWithQualityHeaderValue> tags;
        try
        {
            tags = request.GetTypedHeaders().AcceptLanguage;
        }
        catch (FormatException)
        {
            return null;
        }

        string? best = null;
        double bestQuality = 0;
        foreach (Microsoft.Net.Http.Headers.StringWithQualityHeaderValue tag in tags)
        {
            if ((tag.Quality ?? 1) > bestQuality)
            {
                (best, bestQuality) = (tag.Value.Value, tag.Quality ?? 1);
            }
        }

        if (best is null)
        {
            return null;
        }

        ReadOnlySpan<char> value = best.AsSpan();
        int dash = value.IndexOfAny('-', '_');
        string primary = (dash < 0 ? value : value[..dash]).ToString().ToLowerInvariant();
        return WidgetLanguages.Contains(primary) ? primary : null;
    }

    /// <summary>The arguments of one widget's <c>init</c> call besides its container, public key and signing key.</summary>
    internal sealed record WidgetInit(string? PublicToken, JsonObject Options, JsonObject InternalOptions);

    private sealed class PageState
    {
        public int Widgets { get; set; }

        public bool ScriptWritten { get; set; }

        public static PageState For(HttpContext httpContext)
        {
            if (httpContext.Items[PageStateKey] is not PageState state)
            {
                state = new PageState();
                httpContext.Items[PageStateKey] = state;
            }

            return state;
        }
    }
}
