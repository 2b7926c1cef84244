using System.Text.Encodings.Web;
using CrafyCaptcha.AspNetCore.TagHelpers;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Identity;

/// <summary>
/// Puts the widget into the form of an Identity UI page (Razor Pages compiled into Microsoft.AspNetCore.Identity.UI,
/// which cannot be edited without scaffolding): a tag helper component on the layout's <c>&lt;body&gt;</c> finds the
/// page's form in the rendered content and inserts the widget before its submit button, with the ModelState message
/// of a failed post under it (the Identity pages show only model-level errors in their summaries).
/// </summary>
internal sealed class IdentityUIFormInjector(CrafyCaptchaWidgetRenderer renderer, IOptions<CrafyCaptchaHttpOptions> options) : TagHelperComponent
{
    /// <summary>The view context (set by the tag helper component activator).</summary>
    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
    {
        if (!string.Equals(context.TagName, "body", StringComparison.OrdinalIgnoreCase)
            || ViewContext?.HttpContext.GetEndpoint()?.Metadata.GetMetadata<IdentityUIFormMetadata>() is not { } page)
        {
            return;
        }

        string body = output.IsContentModified ? output.Content.GetContent() : (await output.GetChildContentAsync().ConfigureAwait(false)).GetContent();
        (int start, int end, string? formId) = FindForm(body);
        if (start < 0)
        {
            return;
        }

        string widget = await renderer.RenderAsync(ViewContext.HttpContext, new CrafyCaptchaWidget { Policy = page.PolicyName }).ConfigureAwait(false);
        options.Value.TryGetPolicy(page.PolicyName, out CrafyFlowPolicy policy);
        string key = options.Value.ModelStateKey ?? policy.FormFieldName;
        if (ViewContext.ModelState.TryGetValue(key, out ModelStateEntry? entry) && entry.Errors.Count > 0)
        {
            widget += "<div class=\"text-danger crafy-captcha-message\" role=\"alert\">" + HtmlEncoder.Default.Encode(entry.Errors[0].ErrorMessage) + "</div>";
        }

        string form = body[start..end];
        int at = SubmitControlLocator.FindInsertionPoint(form, formId);
        string injected = at < 0 ? form + widget : string.Concat(form.AsSpan(0, at), widget, form.AsSpan(at));
        output.Content.SetHtmlContent(string.Concat(body.AsSpan(0, start), injected, body.AsSpan(end)));
    }

    /// <summary>The page's own form: the first POST form after <c>&lt;main</c> that is not the external-login or logout form.</summary>
    private static (int Start, int End, string? Id) FindForm(string html)
    {
        int from = Math.Max(0, html.IndexOf("<main", StringComparison.OrdinalIgnoreCase));
        while ((from = html.IndexOf("<form", from, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            int tagEnd = html.IndexOf('>', from);
            int close = html.IndexOf("</form>", from, StringComparison.OrdinalIgnoreCase);
            if (tagEnd < 0 || close < 0)
            {
                return (-1, -1, null);
            }

            string tag = html[from..tagEnd];
            bool post = tag.Contains("method=\"post\"", StringComparison.OrdinalIgnoreCase);
            bool other = tag.Contains("external-account", StringComparison.OrdinalIgnoreCase) || tag.Contains("logout", StringComparison.OrdinalIgnoreCase);
            if (post && !other)
            {
                int idAt = tag.IndexOf(" id=\"", StringComparison.OrdinalIgnoreCase);
                string? id = idAt < 0 ? null : tag[(idAt + 5)..tag.IndexOf('"', idAt + 5)];
                return (tagEnd + 1, close, id);
            }

            from = close;
        }

        return (-1, -1, null);
    }
}
