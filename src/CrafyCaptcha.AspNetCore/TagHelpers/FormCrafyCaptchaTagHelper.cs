using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.TagHelpers;

/// <summary>
/// <c>&lt;form crafy-captcha="login"&gt;</c>: adds the widget at the end of the form, as the form tag helper adds the
/// antiforgery token, so protecting a form needs no separate tag. <c>crafy-captcha-theme="dark"</c> sets the theme.
/// </summary>
[HtmlTargetElement("form", Attributes = PolicyAttribute)]
public sealed class FormCrafyCaptchaTagHelper : TagHelper
{
    private const string PolicyAttribute = "crafy-captcha";
    /// <summary>The flow policy; an empty value means the default policy.</summary>
    [HtmlAttributeName(PolicyAttribute)]
    public string? Policy { get; set; }

    /// <summary><c>light</c> (default) or <c>dark</c>.</summary>
    [HtmlAttributeName("crafy-captcha-theme")]
    public string? Theme { get; set; }

    /// <summary>The view context (set by Razor).</summary>
    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    /// <summary>Runs after the framework's form tag helper, so the widget comes after the antiforgery field.</summary>
    public override int Order => 10;

    /// <inheritdoc />
    public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var widget = new CrafyCaptchaWidget { Policy = string.IsNullOrEmpty(Policy) ? null : Policy, Theme = Theme };
        output.PostContent.AppendHtml(await ViewContext.HttpContext.RequestServices.GetRequiredService<CrafyCaptchaWidgetRenderer>().RenderAsync(ViewContext.HttpContext, widget).ConfigureAwait(false));
    }
}
