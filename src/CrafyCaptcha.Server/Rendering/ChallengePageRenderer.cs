using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CrafyCaptcha.Server.Api;
using CrafyCaptcha.Server.Pow;
using CrafyCaptcha.Server.Protocol;

namespace CrafyCaptcha.Server.Rendering;

/// <summary>What the challenge page shows: the flow to run and the colours the widget asked for.</summary>
internal sealed record ChallengePageModel(
    string ParentOrigin,
    string BasePath,
    string FlowToken,
    PowChallenge Pow,
    bool Checkbox,
    SignedMessage Handshake,
    string? Theme,
    string? Background,
    string? Text,
    string? Primary,
    string? Border);

/// <summary>
/// The engine's HTML: the challenge page (markup, inline CSS, colours) and the refusal page, with the security headers
/// (Content-Security-Policy with <c>frame-ancestors</c>, no caching, no sniffing, no referrer) both are served with.
/// </summary>
internal static class ChallengePageRenderer
{
    private const string PageCss =
        "body{margin:0;font:14px system-ui,sans-serif;background:var(--bg);color:var(--text)}"
        + ".box{display:flex;align-items:center;gap:10px;padding:12px;border:1px solid var(--border);border-radius:8px}"
        + "button{display:flex;align-items:center;gap:8px;border:0;background:transparent;color:inherit;font:inherit;cursor:pointer;padding:0}"
        + ".tick{width:20px;height:20px;border:2px solid var(--primary);border-radius:4px;display:inline-block}.done .tick{background:var(--primary)}"
        + ".spin{width:16px;height:16px;border:2px solid var(--border);border-top-color:var(--primary);border-radius:50%;animation:r 1s linear infinite}"
        + "@keyframes r{to{transform:rotate(360deg)}}";

    /// <summary>
    /// The Content-Security-Policy of every engine page. <paramref name="frameAncestor"/> must be a normalised ASCII
    /// origin (see <see cref="OriginNormaliser"/>) or <see langword="null"/> (no embedding).
    /// </summary>
    public static string ContentSecurityPolicy(string? frameAncestor)
        => "default-src 'none'; script-src 'self'; connect-src 'self'; worker-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
            + $"frame-ancestors {(frameAncestor is not null && OriginNormaliser.IsHeaderSafe(frameAncestor) ? frameAncestor : "'none'")}";

    public static IResult ErrorPage(HttpContext http, HttpStatusCode status, string message, string? frameAncestor)
    {
        SecurityHeaders(http, frameAncestor);
        string html = $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>CrafyCAPTCHA</title></head><body style=\"font:14px system-ui,sans-serif;color:#b91c1c;margin:12px\"><p role=\"alert\" id=\"crafy-error\">{HtmlEncoder.Default.Encode(message)}</p></body></html>";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, (int)status);
    }

    public static IResult ChallengePage(HttpContext http, ChallengePageModel model)
    {
        SecurityHeaders(http, model.ParentOrigin);
        string Attr(string value) => HtmlEncoder.Default.Encode(value);
        string Colour(string? value, string fallback) => value is { } c && System.Text.RegularExpressions.Regex.IsMatch(c, "^#[0-9a-fA-F]{3,8}$") ? c : fallback;
        bool dark = model.Theme == "dark";
        string bg = Colour(model.Background, dark ? "#1f2937" : "#f9fafb");
        string text = Colour(model.Text, dark ? "#e5e7eb" : "#374151");
        string primary = Colour(model.Primary, "#2563eb");
        string border = Colour(model.Border, dark ? "#4b5563" : "#d1d5db");
        string basePath = model.BasePath;
        string parentOrigin = model.ParentOrigin;
        string flowToken = model.FlowToken;
        bool checkbox = model.Checkbox;
        PowChallenge pow = model.Pow;
        SignedMessage handshake = model.Handshake;
        string html = $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>CrafyCAPTCHA</title>
            <style>{{PageCss}}</style></head>
            <body style="--bg:{{bg}};--text:{{text}};--primary:{{primary}};--border:{{border}}" data-flow-token="{{Attr(flowToken)}}" data-parent-origin="{{Attr(parentOrigin)}}" data-verify-url="{{Attr(basePath + "/verify")}}"
             data-checkbox="{{(checkbox ? "true" : "false")}}" data-pow="{{Attr(JsonSerializer.Serialize(pow, ChallengeJson.Default.PowChallenge))}}"
             data-handshake-payload="{{Attr(handshake.Payload)}}" data-handshake-signature="{{Attr(handshake.Signature)}}" data-worker-url="{{Attr(basePath + "/assets/pow-worker.js")}}">
            <div class="box" id="box"><button type="button" id="check" aria-describedby="status"{{(checkbox ? string.Empty : " disabled")}}><span class="tick" aria-hidden="true"></span><span id="label">I am human</span></button>
            <span class="spin" id="spin" aria-hidden="true"></span><span id="status" role="status" aria-live="polite"></span></div>
            <script src="{{Attr(basePath + "/assets/challenge.js")}}"></script></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8);
    }

    private static void SecurityHeaders(HttpContext http, string? frameAncestor)
    {
        http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(frameAncestor);
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
