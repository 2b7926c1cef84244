using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.TagHelpers;

/// <summary>
/// <c>&lt;form crafy-captcha="login"&gt;</c>: adds the widget to the form, just before its first submit control (a
/// <c>&lt;button&gt;</c> that is not <c>type="button"</c>/<c>"reset"</c>, an <c>&lt;input type="submit"|"image"&gt;</c>), or at
/// the end when the form has none, so protecting a form needs no separate tag. <c>crafy-captcha-theme</c> sets the theme.
/// </summary>
[HtmlTargetElement("form", Attributes = PolicyAttribute)]
public sealed class FormCrafyCaptchaTagHelper : TagHelper
{
    private const string PolicyAttribute = "crafy-captcha";
    /// <summary>The flow policy; an empty value means the default policy.</summary>
    [HtmlAttributeName(PolicyAttribute)]
    public string? Policy { get; set; }

    /// <summary><c>auto</c> (default: follows the page's <c>prefers-color-scheme</c>), <c>light</c> or <c>dark</c>.</summary>
    [HtmlAttributeName("crafy-captcha-theme")]
    public string? Theme { get; set; }

    /// <summary>The view context (set by Razor).</summary>
    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    /// <summary>Runs after the framework's form tag helper (which adds the antiforgery field).</summary>
    public override int Order => 10;

    /// <inheritdoc />
    public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var widget = new CrafyCaptchaWidget { Policy = string.IsNullOrEmpty(Policy) ? null : Policy, Theme = Theme };
        string html = await ViewContext.HttpContext.RequestServices.GetRequiredService<CrafyCaptchaWidgetRenderer>().RenderAsync(ViewContext.HttpContext, widget).ConfigureAwait(false);
        string content = output.IsContentModified ? output.Content.GetContent() : (await output.GetChildContentAsync().ConfigureAwait(false)).GetContent();
        string? formId = output.Attributes.TryGetAttribute("id", out TagHelperAttribute? id) ? id.Value?.ToString() : null;
        int at = SubmitControlLocator.FindInsertionPoint(content, formId);
        if (at < 0)
        {
            output.PostContent.AppendHtml(html);
        }
        else
        {
            output.Content.SetHtmlContent(string.Concat(content.AsSpan(0, at), html, content.AsSpan(at)));
        }
    }
}
