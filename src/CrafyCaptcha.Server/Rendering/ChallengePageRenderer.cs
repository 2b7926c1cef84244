using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CrafyCaptcha.Server.Credentials;
using CrafyCaptcha.Server.Pow;
using CrafyCaptcha.Server.Protocol;

namespace CrafyCaptcha.Server.Rendering;

/// <summary>What the challenge page shows: the flow to run and the colours the widget asked for.</summary>
internal sealed record ChallengePageModel(
    string ParentOrigin,
    string BasePath,
    string FlowToken,
    string PowJson,
    bool Checkbox,
    SignedMessage Handshake,
    string? Theme,
    string? Background,
    string? Text,
    string? Primary,
    string? Border,
    string? ProgramScript = null,
    Puzzles.PuzzleView? Puzzle = null,
    bool Turnstile = false,
    string? SurchargeJson = null,
    string? DevHint = null,
    bool Argon2id = false,
    bool AccessiblePath = true);

/// <summary>
/// The engine's HTML: the challenge page (markup, inline CSS, colours) and the refusal page, with the security headers
/// (Content-Security-Policy with <c>frame-ancestors</c>, no caching, no sniffing, no referrer) both are served with.
/// </summary>
internal static class ChallengePageRenderer
{
    // Only the interactive step: no box, no background (transparent inside the widget's box), no visible state text
    // (#status is for screen readers; the widget shows the state). Without an interactive step nothing is drawn: height 0,
    // and the page carries only this.
    private const string PageCss =
        "html,body{background:transparent}body{margin:0;font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--text)}"
        + ".sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}";

    // The checkbox (and the buttons a puzzle draws), only on those rungs.
    private const string InteractiveCss =
        ".box{display:flex;align-items:center;min-height:24px;padding:4px 3px}"
        + "button{display:flex;align-items:center;gap:10px;width:100%;margin:0;padding:0;border:0;border-radius:4px;background:transparent;color:inherit;font:inherit;text-align:left;cursor:pointer}"
        + "button:disabled{cursor:default}button:focus-visible{outline:2px solid var(--primary);outline-offset:2px}"
        + ".tick,.spin{box-sizing:border-box;flex:none;width:22px;height:22px;border:2px solid var(--primary)}"
        + ".tick{display:inline-flex;align-items:center;justify-content:center;border-radius:4px}"
        + ".done .tick{background:var(--primary)}.done .tick::after{content:'';width:5px;height:10px;margin-top:-2px;border:solid #fff;border-width:0 2px 2px 0;transform:rotate(45deg)}"
        + ".spin{display:none;border-color:var(--border);border-top-color:var(--primary);border-radius:50%;animation:r .9s linear infinite}"
        + ".busy .tick{display:none}.busy .spin{display:inline-block}"
        + "@keyframes r{to{transform:rotate(360deg)}}";

    // The invisible pass waits for the page, then challenge.js, then the worker's script, one after the other: the page
    // carries both instead (the same bytes, one round trip instead of three; a new flow's page is never cached anyway).
    // challenge.js runs inline under its CSP hash; the worker's text sits in a non-executed <script type="text/plain">
    // and starts as a blob: worker. The asset URLs stay for the puzzles' accessible path and other pages.
    private static readonly string InlineChallengeScript = InlineSafe(EngineAssets.Text("challenge.js"));
    private static readonly string InlineWorkerScript = InlineSafe(EngineAssets.Text("pow-worker.js"));
    private static readonly string InlineArgon2idWorkerScript = InlineSafe(EngineAssets.Text(EngineAssets.Argon2idWorker));
    private static readonly string InlineCheckboxScript = InlineSafe(EngineAssets.Text("checkbox.js"));
    private static readonly string InlineScriptHashes = ScriptHash(InlineChallengeScript) + " " + ScriptHash(InlineCheckboxScript);

    private static string ScriptHash(string script) => "'sha256-" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(script))) + "'";

    /// <summary>A script that can sit inside a <c>&lt;script&gt;</c> element as it is (no end tag or comment opener in it).</summary>
    private static string InlineSafe(string script)
        => (script.Contains("</", StringComparison.Ordinal) && script.Contains("</script", StringComparison.OrdinalIgnoreCase)) || script.Contains("<!--", StringComparison.Ordinal)
            ? throw new InvalidOperationException("An engine script cannot be inlined: it contains </script or <!--.")
            : script;

    /// <summary>
    /// The Content-Security-Policy of every engine page. <paramref name="frameAncestor"/> must be a normalised ASCII
    /// origin (see <see cref="OriginNormaliser"/>) or <see langword="null"/> (no embedding). With
    /// <paramref name="wasm"/> (an Argon2id proof-of-work) <c>'wasm-unsafe-eval'</c> lets the page's blob: worker, which
    /// inherits this policy, compile hash-wasm's WebAssembly; it allows no JavaScript <c>eval</c>.
    /// </summary>
    public static string ContentSecurityPolicy(string? frameAncestor, string? scriptNonce = null, bool wasm = false)
        => $"default-src 'none'; script-src 'self' {InlineScriptHashes}{(scriptNonce is null ? string.Empty : $" 'nonce-{scriptNonce}'")}{(wasm ? " 'wasm-unsafe-eval'" : string.Empty)}; connect-src 'self'; worker-src 'self' blob:; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
            + $"frame-ancestors {(frameAncestor is not null && OriginNormaliser.IsHeaderSafe(frameAncestor) ? frameAncestor : "'none'")}";

    /// <summary>
    /// The refusal page. <paramref name="devHint"/> (the Development environment's only: see
    /// <see cref="Risk.RiskHint"/>) is what refusal.js logs in the browser console.
    /// </summary>
    public static IResult ErrorPage(HttpContext http, HttpStatusCode status, string message, string? frameAncestor, string? devHint = null)
    {
        SecurityHeaders(http, frameAncestor);
        // Refused after the origin check (the page may be framed by the widget's page): refusal.js tells the widget
        // why (CHALLENGE_REFUSED to that origin only), so it does not wait for a silent timeout.
        string notify = string.Empty;
        bool parent = frameAncestor is not null && OriginNormaliser.IsHeaderSafe(frameAncestor);
        if (devHint is not null)
        {
            notify = $" data-dev-hint=\"{HtmlEncoder.Default.Encode(devHint)}\"";
        }

        if (parent)
        {
            notify += $" data-parent-origin=\"{HtmlEncoder.Default.Encode(frameAncestor!)}\" data-status=\"{(int)status}\"";
        }

        string script = string.Empty;
        if (parent || devHint is not null)
        {
            string basePath = http.Request.PathBase + http.Request.Path.ToString().TrimEnd('/');
            script = $"<script src=\"{HtmlEncoder.Default.Encode(EngineAssets.Url(basePath, "refusal.js"))}\"></script>";
        }

        string html = $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>CrafyCAPTCHA</title></head><body style=\"font:14px system-ui,sans-serif;color:#b91c1c;margin:12px\"{notify}><p role=\"alert\" id=\"crafy-error\">{HtmlEncoder.Default.Encode(message)}</p>{script}</body></html>";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, (int)status);
    }

    public static IResult ChallengePage(HttpContext http, ChallengePageModel model)
    {
        string? programNonce = model.ProgramScript is null ? null : Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        SecurityHeaders(http, model.ParentOrigin, programNonce, model.Argon2id);
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
        SignedMessage handshake = model.Handshake;
        string body = $$"""
            </style></head>
            <body style="--bg:{{bg}};--text:{{text}};--primary:{{primary}};--border:{{border}}" data-flow-token="{{Attr(flowToken)}}" data-parent-origin="{{Attr(parentOrigin)}}" data-verify-url="{{Attr(basePath + "/verify")}}"
             data-checkbox="{{(checkbox ? "true" : "false")}}" data-pow="{{Attr(model.PowJson)}}"
             data-handshake-payload="{{Attr(handshake.Payload)}}" data-handshake-signature="{{Attr(handshake.Signature)}}" data-worker-url="{{Attr(EngineAssets.Url(basePath, model.Argon2id ? EngineAssets.Argon2idWorker : "pow-worker.js"))}}"{{PuzzleAttributes(model)}}{{(model.Turnstile ? " data-turnstile=\"true\"" : string.Empty)}}{{(model.ProgramScript is null ? string.Empty : " data-program=\"true\"")}}{{(model.SurchargeJson is { } surcharge ? $" data-pow-surcharge=\"{Attr(surcharge)}\"" : string.Empty)}}{{(model.DevHint is { } hint ? $" data-dev-hint=\"{Attr(hint)}\"" : string.Empty)}}{{(model.Puzzle is not null && !model.AccessiblePath ? " data-accessible=\"false\"" : string.Empty)}}>
            {{(checkbox ? CheckboxMarkup : string.Empty)}}<span class="sr" id="status" role="status" aria-live="polite"></span>
            {{(model.Puzzle is null ? string.Empty : $"<div id=\"puzzle\"></div><script src=\"{Attr(EngineAssets.Url(basePath, "puzzle.js"))}\"></script>")}}
            """;
        // The flow's instrumentation program runs inline after challenge.js (which listens for its result), allowed by
        // this response's own CSP nonce.
        GzipPage.Piece end = programNonce is null ? PlainEnd : GzipPage.Piece.Own($"<script nonce=\"{programNonce}\" id=\"crafy-program\">{InlineSafe(model.ProgramScript!)}</script></body></html>");
        return Compressed(http, [Heads[model.Theme == "auto" ? 0 : dark ? 1 : 2], checkbox || model.Puzzle is not null ? InteractiveStyle : PlainStyle, GzipPage.Piece.Own(body), ScriptTails[(model.Argon2id ? 2 : 0) + (checkbox ? 1 : 0)], end]);
    }

    // The page's start for each colour scheme (auto, dark, light) and its end without a program: fixed pieces too.
    private static readonly GzipPage.Piece[] Heads = [.. ((string[])["light dark", "dark", "light"]).Select(scheme => GzipPage.Piece.Fixed($"""
        <!DOCTYPE html>
        <html lang="en" style="color-scheme:{scheme}"><head><meta charset="utf-8"><title>CrafyCAPTCHA</title>
        <style>
        """))];

    private static readonly GzipPage.Piece PlainEnd = GzipPage.Piece.Fixed("</body></html>");

    // The fixed pieces of the challenge page, deflated once (see GzipPage): its two style sheets and its four script
    // tails (the SHA-256 or the Argon2id worker, without or with the checkbox).
    private static readonly GzipPage.Piece PlainStyle = GzipPage.Piece.Fixed(PageCss);
    private static readonly GzipPage.Piece InteractiveStyle = GzipPage.Piece.Fixed(PageCss + InteractiveCss);
    private static readonly GzipPage.Piece[] ScriptTails =
        [.. from argon2id in (bool[])[false, true] from checkbox in (bool[])[false, true] select GzipPage.Piece.Fixed(ScriptTail(argon2id, checkbox))];

    private static string ScriptTail(bool argon2id, bool checkbox)
        => $"<script type=\"text/plain\" id=\"pow-worker\">{(argon2id ? InlineArgon2idWorkerScript : InlineWorkerScript)}</script>{(checkbox ? $"<script>{InlineCheckboxScript}</script>" : string.Empty)}<script>{InlineChallengeScript}</script>";

    private const string CheckboxMarkup =
        "<div class=\"box\" id=\"box\"><button type=\"button\" id=\"check\" aria-describedby=\"status\"><span class=\"tick\" aria-hidden=\"true\"></span><span class=\"spin\" id=\"spin\" aria-hidden=\"true\"></span><span id=\"label\">I am human</span></button></div>";

    /// <summary>
    /// The page, gzipped for browsers that accept it (~13 KB with its inline scripts, ~6 KB on the wire): the fixed
    /// pieces were deflated once, a flow's own pieces are deflated now (see <see cref="GzipPage"/>). A host's response
    /// compression middleware leaves an encoded response alone.
    /// </summary>
    private static IResult Compressed(HttpContext http, GzipPage.Piece[] pieces)
    {
        http.Response.Headers.Vary = Microsoft.Net.Http.Headers.HeaderNames.AcceptEncoding;
        if (!EngineAssets.AcceptsGzip(http.Request))
        {
            return Results.Bytes(GzipPage.Plain(pieces), "text/html; charset=utf-8");
        }

        http.Response.Headers.ContentEncoding = "gzip";
        return Results.Bytes(GzipPage.Gzipped(pieces), "text/html; charset=utf-8");
    }

    /// <summary>The puzzle the page shows (kind, one-time image id, connect prompt: never its answer) and where its image and actions are.</summary>
    private static string PuzzleAttributes(ChallengePageModel model)
        => model.Puzzle is not { } puzzle ? string.Empty
            : $" data-puzzle=\"{HtmlEncoder.Default.Encode(JsonSerializer.Serialize(puzzle, Puzzles.PuzzleJson.Default.PuzzleView))}\" data-puzzle-url=\"{HtmlEncoder.Default.Encode(model.BasePath + "/puzzle")}\"";

    private static void SecurityHeaders(HttpContext http, string? frameAncestor, string? scriptNonce = null, bool wasm = false)
    {
        http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(frameAncestor, scriptNonce, wasm);
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
