using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using CrafyCaptcha.Server.ControlPanel.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.ControlPanel.Pages;

/// <summary>
/// The admin pages, rendered on the server as plain HTML forms (no script): the list, the create form, the page that
/// shows a new credential's secrets once, and a credential's page (domains, plan, rotate, disable, usage). Every POST
/// checks the antiforgery token; every page is <c>no-store</c>.
/// </summary>
internal sealed class ControlPanelPages(
    CredentialRepository repository,
    StoredCredentialSource source,
    IAntiforgery antiforgery,
    IOptions<ControlPanelOptions> options,
    TimeProvider time)
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public async Task<IResult> ListAsync(HttpContext http)
    {
        IReadOnlyList<CredentialSummary> all = await repository.ListAsync(http.RequestAborted);
        DateTimeOffset now = time.GetUtcNow();
        var body = new StringBuilder();
        body.Append("<h1>CrafyCAPTCHA credentials</h1><p><a href=\"").Append(Url(http, "credentials/new")).Append("\">Create a credential</a></p>");
        if (all.Count == 0)
        {
            body.Append("<p>No stored credential yet. Credentials from configuration are served too and are not listed here.</p>");
        }
        else
        {
            body.Append("<table><caption>Stored credentials</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Public key</th><th scope=\"col\">Plan</th><th scope=\"col\">Domains</th><th scope=\"col\">Status</th></tr></thead><tbody>");
            foreach (CredentialSummary c in all)
            {
                body.Append("<tr><td><a href=\"").Append(Url(http, "credentials/" + c.PublicKey)).Append("\">").Append(E(c.Name)).Append("</a></td><td><code>")
                    .Append(E(c.PublicKey)).Append("</code></td><td>").Append(E(c.Plan)).Append("</td><td>").Append(E(string.Join(", ", c.Domains)))
                    .Append("</td><td>").Append(c.StatusAt(now)).Append("</td></tr>");
            }

            body.Append("</tbody></table>");
        }

        return Page(http, "Credentials", body.ToString());
    }

    public IResult NewForm(HttpContext http) => Page(http, "Create a credential", CreateForm(http, null));

    public async Task<IResult> CreateAsync(HttpContext http)
    {
        if (await ReadFormAsync(http) is not { } form)
        {
            return Refused(http);
        }

        (CredentialChange result, CreatedCredential? created) = await repository.CreateAsync(form["name"], form["plan"].ToString(), form["domains"].ToString() is { Length: > 0 } d ? [d] : [], http.RequestAborted);
        if (created is null)
        {
            return Page(http, "Create a credential", CreateForm(http, Problem(result)), StatusCodes.Status400BadRequest);
        }

        await source.RefreshAsync(http.RequestAborted);
        return Page(http, "Credential created", Secrets(http, created, "Credential created"));
    }

    public async Task<IResult> DetailAsync(HttpContext http, string publicKey)
    {
        if (await repository.FindAsync(publicKey, http.RequestAborted) is not { } c)
        {
            return Page(http, "Not found", "<h1>Not found</h1><p>No stored credential has this public key.</p>", StatusCodes.Status404NotFound);
        }

        IReadOnlyList<DailyUsage> usage = await repository.UsageAsync(publicKey, 30, http.RequestAborted);
        string token = Token(http);
        string status = c.StatusAt(time.GetUtcNow());
        var body = new StringBuilder();
        body.Append("<h1>").Append(E(c.Name)).Append("</h1><dl>")
            .Append("<dt>Public key</dt><dd><code>").Append(E(c.PublicKey)).Append("</code></dd>")
            .Append("<dt>Public token</dt><dd><code>").Append(E(c.PublicToken)).Append("</code></dd>")
            .Append("<dt>Signing public key</dt><dd><code>").Append(E(c.SigningPublicKey)).Append("</code></dd>")
            .Append("<dt>Status</dt><dd>").Append(status);
        if (c.RetiresAt is { } retires)
        {
            body.Append(" (retires ").Append(retires.ToString("u", CultureInfo.InvariantCulture)).Append(", replaced by <a href=\"").Append(Url(http, "credentials/" + c.ReplacedBy)).Append("\"><code>").Append(E(c.ReplacedBy ?? string.Empty)).Append("</code></a>)");
        }

        body.Append("</dd><dt>Created</dt><dd>").Append(c.CreatedAt.ToString("u", CultureInfo.InvariantCulture)).Append("</dd></dl>");
        if (status is "active" or "retiring")
        {
            body.Append("<h2>Allowed domains</h2><form method=\"post\" action=\"").Append(Url(http, $"credentials/{c.PublicKey}/domains")).Append("\">").Append(token)
                .Append("<label for=\"domains\">Host names allowed to embed the challenge (one per line; subdomains must be listed; localhost is always allowed)</label><br>")
                .Append("<textarea id=\"domains\" name=\"domains\" rows=\"4\" cols=\"50\">").Append(E(string.Join('\n', c.Domains))).Append("</textarea><br><button type=\"submit\">Save domains</button></form>")
                .Append("<h2>Plan</h2><form method=\"post\" action=\"").Append(Url(http, $"credentials/{c.PublicKey}/plan")).Append("\">").Append(token)
                .Append("<label for=\"plan\">Plan (a change issues a new public token; bearers already issued keep their limits until they authenticate again)</label> ")
                .Append(PlanSelect(c.Plan)).Append(" <button type=\"submit\">Change plan</button></form>");
        }

        if (status == "active")
        {
            body.Append("<h2>Rotate</h2><form method=\"post\" action=\"").Append(Url(http, $"credentials/{c.PublicKey}/rotate")).Append("\">").Append(token)
                .Append("<p>A new credential is made beside this one; this one keeps working for ")
                .Append(E(options.Value.RotationGracePeriod.ToString("c", CultureInfo.InvariantCulture))).Append(", then stops.</p><button type=\"submit\">Rotate</button></form>");
        }

        if (status is "active" or "retiring")
        {
            body.Append("<h2>Disable</h2><form method=\"post\" action=\"").Append(Url(http, $"credentials/{c.PublicKey}/disable")).Append("\">").Append(token)
                .Append("<p>The engine stops serving this credential at once.</p><button type=\"submit\">Disable</button></form>");
        }

        body.Append("<h2>Usage (last 30 days, UTC)</h2>");
        if (usage.Count == 0)
        {
            body.Append("<p>No usage recorded.</p>");
        }
        else
        {
            body.Append("<table><caption>Usage per day</caption><thead><tr><th scope=\"col\">Day</th><th scope=\"col\">Flows</th><th scope=\"col\">Passes</th><th scope=\"col\">Refusals</th><th scope=\"col\">Escalations</th><th scope=\"col\">Risk 0–0.2 / 0.2–0.4 / 0.4–0.6 / 0.6–0.8 / 0.8–1</th></tr></thead><tbody>");
            foreach (DailyUsage u in usage)
            {
                body.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">{u.Day}</th><td>{u.Flows}</td><td>{u.Passes}</td><td>{u.Refusals}</td><td>{u.Escalations}</td><td>{string.Join(" / ", u.RiskHistogram)}</td></tr>");
            }

            body.Append("</tbody></table>");
        }

        body.Append("<p><a href=\"").Append(Url(http, string.Empty)).Append("\">All credentials</a></p>");
        return Page(http, c.Name, body.ToString());
    }

    public async Task<IResult> DomainsAsync(HttpContext http, string publicKey)
        => await ReadFormAsync(http) is not { } form ? Refused(http)
            : await AfterChangeAsync(http, publicKey, await repository.SetDomainsAsync(publicKey, [form["domains"].ToString()], http.RequestAborted));

    public async Task<IResult> PlanAsync(HttpContext http, string publicKey)
        => await ReadFormAsync(http) is not { } form ? Refused(http)
            : await AfterChangeAsync(http, publicKey, await repository.SetPlanAsync(publicKey, form["plan"].ToString(), http.RequestAborted));

    public async Task<IResult> DisableAsync(HttpContext http, string publicKey)
        => await ReadFormAsync(http) is null ? Refused(http)
            : await AfterChangeAsync(http, publicKey, await repository.DisableAsync(publicKey, http.RequestAborted));

    public async Task<IResult> RotateAsync(HttpContext http, string publicKey)
    {
        if (await ReadFormAsync(http) is null)
        {
            return Refused(http);
        }

        (CredentialChange result, CreatedCredential? created) = await repository.RotateAsync(publicKey, options.Value.RotationGracePeriod, http.RequestAborted);
        if (created is null)
        {
            return Page(http, "Not rotated", $"<h1>Not rotated</h1><p role=\"alert\">{Problem(result)}</p>", result == CredentialChange.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest);
        }

        await source.RefreshAsync(http.RequestAborted);
        return Page(http, "Credential rotated", Secrets(http, created, "Credential rotated"));
    }

    private async Task<IResult> AfterChangeAsync(HttpContext http, string publicKey, CredentialChange result)
    {
        if (result != CredentialChange.Done)
        {
            return Page(http, "Not changed", $"<h1>Not changed</h1><p role=\"alert\">{Problem(result)}</p><p><a href=\"{Url(http, "credentials/" + publicKey)}\">Back</a></p>",
                result == CredentialChange.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest);
        }

        await source.RefreshAsync(http.RequestAborted);
        return Results.Redirect(Url(http, "credentials/" + publicKey), permanent: false, preserveMethod: false);
    }

    private async Task<IFormCollection?> ReadFormAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            return null;
        }

        try
        {
            await antiforgery.ValidateRequestAsync(http);
            return await http.Request.ReadFormAsync(http.RequestAborted);
        }
        catch (AntiforgeryValidationException)
        {
            return null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static IResult Refused(HttpContext http)
        => Page(http, "Refused", "<h1>Refused</h1><p role=\"alert\">The form could not be accepted (its antiforgery token is missing or invalid). Reload the page and try again.</p>", StatusCodes.Status400BadRequest);

    private static string Problem(CredentialChange result) => result switch
    {
        CredentialChange.InvalidPlan => "The plan must be starter, growth or scale.",
        CredentialChange.InvalidDomain => "Every domain must be a host name such as shop.example or bücher.de (no scheme, port or path).",
        CredentialChange.NotFound => "No stored credential has this public key.",
        CredentialChange.NotActive => "This credential is disabled or already rotated.",
        _ => "The change was not made.",
    };

    private string CreateForm(HttpContext http, string? problem)
    {
        var body = new StringBuilder("<h1>Create a credential</h1>");
        if (problem is not null)
        {
            body.Append("<p role=\"alert\">").Append(E(problem)).Append("</p>");
        }

        return body.Append("<form method=\"post\" action=\"").Append(Url(http, "credentials")).Append("\">").Append(Token(http))
            .Append("<p><label for=\"name\">Name</label><br><input id=\"name\" name=\"name\" maxlength=\"200\" autocomplete=\"off\"></p>")
            .Append("<p><label for=\"plan\">Plan</label><br>").Append(PlanSelect("starter")).Append("</p>")
            .Append("<p><label for=\"domains\">Allowed domains (one per line)</label><br><textarea id=\"domains\" name=\"domains\" rows=\"4\" cols=\"50\"></textarea></p>")
            .Append("<p><button type=\"submit\">Create</button></p></form>")
            .Append("<p><a href=\"").Append(Url(http, string.Empty)).Append("\">All credentials</a></p>").ToString();
    }

    private static string Secrets(HttpContext http, CreatedCredential created, string heading)
    {
        ChallengeCredential c = created.Credential;
        return new StringBuilder("<h1>").Append(heading).Append("</h1>")
            .Append("<p role=\"alert\"><strong>The secret key and the signing private key are shown once, now.</strong> Copy them to the site's configuration; they cannot be shown again.</p><dl>")
            .Append("<dt>Public key</dt><dd><code id=\"public-key\">").Append(E(c.PublicKey)).Append("</code></dd>")
            .Append("<dt>Secret key</dt><dd><code id=\"secret-key\">").Append(E(c.SecretKey)).Append("</code></dd>")
            .Append("<dt>Signing public key</dt><dd><code id=\"signing-public-key\">").Append(E(created.SigningPublicKey)).Append("</code></dd>")
            .Append("<dt>Signing private key</dt><dd><code id=\"signing-private-key\">").Append(E(c.SigningPrivateKey)).Append("</code></dd>")
            .Append("<dt>Public token</dt><dd><code id=\"public-token\">").Append(E(c.PublicToken)).Append("</code></dd>")
            .Append("<dt>Plan</dt><dd>").Append(E(c.Plan)).Append("</dd></dl>")
            .Append("<p><a href=\"").Append(Url(http, "credentials/" + c.PublicKey)).Append("\">Open the credential</a></p>").ToString();
    }

    private static string PlanSelect(string current)
    {
        var select = new StringBuilder("<select id=\"plan\" name=\"plan\">");
        foreach (string plan in (string[])["starter", "growth", "scale"])
        {
            select.Append("<option value=\"").Append(plan).Append('"').Append(plan == current ? " selected" : string.Empty).Append('>').Append(plan).Append("</option>");
        }

        return select.Append("</select>").ToString();
    }

    private string Token(HttpContext http)
    {
        AntiforgeryTokenSet tokens = antiforgery.GetAndStoreTokens(http);
        return $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken ?? string.Empty)}\">";
    }

    private static string Url(HttpContext http, string relative) => E(http.Request.PathBase + (string)http.Items[BaseKey]! + "/" + relative);

    internal const string BaseKey = "CrafyControlPanel.Base";

    private static string E(string value) => Html.Encode(value);

    private static IResult Page(HttpContext http, string title, string body, int status = StatusCodes.Status200OK)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["X-Frame-Options"] = "DENY";
        http.Response.Headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
        string html = $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{E(title)} · CrafyCAPTCHA control panel</title>"
            + "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}table{border-collapse:collapse}th,td{border:1px solid #888;padding:.25rem .5rem;text-align:left}code{word-break:break-all}</style>"
            + $"</head><body><main>{body}</main></body></html>";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }
}
