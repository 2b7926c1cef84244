using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.Tests;

/// <summary>
/// A body the server cannot read is the client's fault: 4xx with a stable code, never a 5xx and never the
/// "misconfigured" <c>captcha_unknown_policy</c> that pages an operator at night. Every protected endpoint of the sample
/// (found from its endpoint metadata, so a new one is covered too) gets each malformed post, with a valid antiforgery
/// token in the header so that the captcha gate, not antiforgery, answers.
/// </summary>
public sealed class MalformedBodyTests
{
    /// <summary>The first <see cref="UnreadableCount"/> bodies claim to be forms and cannot be read.</summary>
    private const int UnreadableCount = 2;

    private static readonly (string Name, Func<HttpContent> Body)[] MalformedBodies =
    [
        ("multipart without a boundary", () => Content("--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi\r\n--x--\r\n", "multipart/form-data")),
        ("multipart with a broken body", () => Content("this is not multipart", "multipart/form-data; boundary=abc")),
        // Forms that can be read (ASP.NET Core reads an unknown charset as UTF-8) but carry no valid token, and bodies that are not forms.
        ("form with an unknown charset", () => Content("text=hi&CrafyCAPTCHA_token=x", "application/x-www-form-urlencoded; charset=no-such-charset")),
        ("form with a malformed content type", () => Content("text=hi", "application/x-www-form-urlencoded; charset")),
        ("JSON to a form endpoint", () => Content("{\"text\":\"hi\",\"CrafyCAPTCHA_token\":\"x\"}", "application/json")),
        ("XML to a form endpoint", () => Content("<comment><text>hi</text></comment>", "application/xml")),
        ("no content type", () => new ByteArrayContent("text=hi"u8.ToArray())),
    ];

    [Fact]
    public async Task Every_protected_endpoint_refuses_malformed_posts_without_a_5xx_or_a_configuration_alarm()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        string[] paths = ProtectedPaths(app);
        Assert.True(paths.Length >= 4, "protected endpoints found: " + string.Join(", ", paths)); // login, register, comments, newsletter

        string antiforgery = await SampleApp.AntiforgeryTokenAsync(client, "/Comments");
        var failures = new List<string>();
        foreach (string path in paths)
        {
            for (int i = 0; i < MalformedBodies.Length; i++)
            {
                (string name, Func<HttpContent> body) = MalformedBodies[i];
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body() };
                request.Headers.Add("RequestVerificationToken", antiforgery);
                using HttpResponseMessage response = await client.SendAsync(request);
                string text = await response.Content.ReadAsStringAsync();
                int status = (int)response.StatusCode;
                string seen = $"{path}, {name}: {status} {text[..Math.Min(200, text.Length)]}";
                bool unreadable = i < UnreadableCount;
                if (status >= 500 || text.Contains(CrafyCaptchaErrorCodes.UnknownPolicy, StringComparison.Ordinal))
                {
                    failures.Add("server error or false configuration alarm: " + seen);
                }
                else if (unreadable && !(status == 400 && text.Contains(CrafyCaptchaErrorCodes.BadRequest, StringComparison.Ordinal)))
                {
                    failures.Add("an unreadable form is a 400 captcha_bad_request: " + seen);
                }
                else if (status < 400 && (status != 200 || text.Contains("<h1>Welcome", StringComparison.Ordinal) || text.Contains("id=\"registered\"", StringComparison.Ordinal)))
                {
                    // A 200 is only the form shown again (ModelState mode re-renders with the captcha's message, or
                    // another endpoint, the /Comments page, answered a post the form endpoint does not accept).
                    failures.Add("accepted or redirected: " + seen);
                }
            }
        }

        Assert.Empty(app.Services.GetRequiredService<System.Collections.Concurrent.ConcurrentQueue<CrafyCaptcha.Sample.Models.Comment>>());
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task An_unreadable_form_is_a_bad_request_with_its_own_code_and_a_persons_message()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        string antiforgery = await SampleApp.AntiforgeryTokenAsync(client, "/Comments");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/comments") { Content = MalformedBodies[0].Body() };
        request.Headers.Add("RequestVerificationToken", antiforgery);
        request.Headers.Accept.ParseAdd("application/json");

        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonObject problem = await SampleApp.ProblemAsync(response);
        Assert.Equal(CrafyCaptchaErrorCodes.BadRequest, (string?)problem["code"]);
        Assert.Contains("could not be read", (string?)problem["detail"], StringComparison.Ordinal);
    }

    private static StringContent Content(string body, string contentType)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    /// <summary>The URL of every endpoint of the app whose metadata requires a captcha.</summary>
    private static string[] ProtectedPaths(SampleApp app)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Endpoint endpoint in app.Services.GetRequiredService<EndpointDataSource>().Endpoints)
        {
            if (endpoint.Metadata.GetMetadata<ICrafyCaptchaMetadata>() is not { RequiresCaptcha: true })
            {
                continue;
            }

            string? template = (endpoint as RouteEndpoint)?.RoutePattern.RawText;
            string? path = endpoint.Metadata.GetMetadata<ActionDescriptor>() switch
            {
                _ when template is not null && !template.Contains('{', StringComparison.Ordinal) => template, // minimal APIs and attribute routes
                PageActionDescriptor page => page.ViewEnginePath,
                ControllerActionDescriptor action => $"/{action.ControllerName}/{action.ActionName}",
                _ => null,
            };
            if (path is not null && endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is var methods && (methods is null || methods.HttpMethods.Contains("POST")))
            {
                paths.Add(path.StartsWith('/') ? path : "/" + path);
            }
        }

        return [.. paths];
    }
}
