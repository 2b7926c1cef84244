using CrafyCaptcha.AspNetCore;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace CrafyCaptcha.Sample;

/// <summary>
/// The comment form posts to a minimal-API endpoint, whose failures are ProblemDetails for API clients. A browser
/// posting the HTML form is sent back to the form instead, with what it typed and the reason, so nothing is lost.
/// </summary>
public static class CommentForm
{
    public const string AuthorKey = "comment-author";
    public const string TextKey = "comment-text";
    public const string ErrorKey = "comment-error";

    public static async ValueTask ReturnToFormAsync(CrafyCaptchaRejectedContext rejected)
    {
        HttpContext http = rejected.HttpContext;
        bool browserForm = http.Request.HasFormContentType && http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal);
        if (!browserForm || http.Request.Path != "/comments")
        {
            return; // the default 400/503 ProblemDetails
        }

        IFormCollection form = await http.Request.ReadFormAsync();
        ITempDataDictionary tempData = http.RequestServices.GetRequiredService<ITempDataDictionaryFactory>().GetTempData(http);
        tempData[AuthorKey] = form["author"].ToString();
        tempData[TextKey] = form["text"].ToString();
        tempData[ErrorKey] = rejected.Message;
        tempData.Save();
        http.Response.Redirect("/Comments");
    }
}
