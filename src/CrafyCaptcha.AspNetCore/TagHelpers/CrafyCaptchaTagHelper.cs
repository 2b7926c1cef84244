using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.TagHelpers;

/// <summary>
/// <c>&lt;crafy-captcha policy="login" theme="dark" /&gt;</c>: renders the widget's container (a unique id), the
/// widget script once per page (with the CSP nonce when the app has one) and the <c>CrafyCAPTCHA.init(...)</c> call
/// with the public key, public token, signing public key, the options endpoint's URL, theme, colours and input name.
/// Everything written is HTML- and JavaScript-encoded; the secret key never appears.
/// </summary>
[HtmlTargetElement("crafy-captcha", TagStructure = TagStructure.WithoutEndTag)]
public sealed class CrafyCaptchaTagHelper : TagHelper
{
    /// <summary>The flow policy (default: the default policy).</summary>
    public string? Policy { get; set; }

    /// <summary><c>auto</c> (default: follows the page's <c>prefers-color-scheme</c>), <c>light</c> or <c>dark</c>.</summary>
    public string? Theme { get; set; }

    /// <summary>The hidden input's name (default: the policy's form field, numbered from the second widget on a page).</summary>
    [HtmlAttributeName("input-name")]
    public string? InputName { get; set; }

    /// <summary><see langword="false"/> loads the challenge only on a click or a submit (default <see langword="true"/>).</summary>
    [HtmlAttributeName("auto-load")]
    public bool AutoLoad { get; set; } = true;

    /// <summary>Background colour of the widget.</summary>
    [HtmlAttributeName("background")]
    public string? Background { get; set; }

    /// <summary>Background colour on hover.</summary>
    [HtmlAttributeName("background-hover")]
    public string? BackgroundHover { get; set; }

    /// <summary>Text colour.</summary>
    [HtmlAttributeName("color")]
    public string? Color { get; set; }

    /// <summary>Border colour.</summary>
    [HtmlAttributeName("border-color")]
    public string? BorderColor { get; set; }

    /// <summary>Accent colour.</summary>
    [HtmlAttributeName("primary")]
    public string? Primary { get; set; }

    /// <summary>Footer text colour.</summary>
    [HtmlAttributeName("footer-color")]
    public string? FooterColor { get; set; }

    /// <summary>The view context (set by Razor).</summary>
    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    /// <inheritdoc />
    public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var widget = new CrafyCaptchaWidget
        {
            Policy = Policy,
            Theme = Theme,
            InputName = InputName,
            AutoLoad = AutoLoad,
            Style = new Dictionary<string, string?>
            {
                ["background"] = Background,
                ["backgroundHover"] = BackgroundHover,
                ["color"] = Color,
                ["borderColor"] = BorderColor,
                ["primary"] = Primary,
                ["footerColor"] = FooterColor,
            },
        };
        output.TagName = null;
        output.Content.SetHtmlContent(await ViewContext.HttpContext.RequestServices.GetRequiredService<CrafyCaptchaWidgetRenderer>().RenderAsync(ViewContext.HttpContext, widget).ConfigureAwait(false));
    }
}
