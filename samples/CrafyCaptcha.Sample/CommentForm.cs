using CrafyCaptcha.AspNetCore;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace CrafyCaptcha.Sample;

/// <summary>
/// The comment form posts to a minimal-API endpoint, whose failures are ProblemDetails for API clients. A browser
/// posting the HTML form is sent back to the form instead — for a failed captcha and for invalid input alike — with
/// what it typed and the reason, so nothing is lost. TempData is kept in the session (server-side), so the browser
/// only carries the session cookie whatever the comment's length.
/// </summary>
public static class CommentForm
{
    public const string AuthorKey = "comment-author";
    public const string TextKey = "comment-text";
    public const string ErrorKey = "comment-error";
    public const int MaxTextLength = 4000;

    /// <summary>The captcha's rejection hook: a browser's form goes back to the form, API clients get the ProblemDetails.</summary>
    public static async ValueTask ReturnToFormAsync(CrafyCaptchaRejectedContext rejected)
        => await ReturnToFormAsync(rejected.HttpContext, rejected.Message);

    /// <summary>Sends a browser's comment form back to the form with its input and <paramref name="reason"/>; <see langword="null"/> for other clients.</summary>
    public static async Task<IResult?> ReturnToFormAsync(HttpContext http, string reason)
    {
        bool browserForm = http.Request.HasFormContentType && http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal);
        if (!browserForm || http.Request.Path != "/comments")
        {
            return null; // the default 400/503 ProblemDetails
        }

        IFormCollection form = await http.Request.ReadFormAsync();
        ITempDataDictionary tempData = http.RequestServices.GetRequiredService<ITempDataDictionaryFactory>().GetTempData(http);
        tempData[AuthorKey] = Capped(form["author"].ToString(), 200);
        tempData[TextKey] = Capped(form["text"].ToString(), MaxTextLength);
        tempData[ErrorKey] = reason;
        tempData.Save();
        http.Response.Redirect("/Comments");
        return Results.Empty;
    }

    private static string Capped(string value, int length) => value.Length <= length ? value : value[..length];
}
