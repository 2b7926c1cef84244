using System.Net;
using System.Text.RegularExpressions;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The engine's refusal page tells the widget why (CHALLENGE_REFUSED through <c>refusal.js</c>), but only to a
/// <c>parent_origin</c> that passed the origin check: a refusal before it posts nothing anywhere.
/// </summary>
public sealed class RefusalPageTests
{
    [Fact]
    public async Task A_spent_eo_is_refused_with_a_page_that_tells_the_parent_origin()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        string eo = await app.GetEoAsync(page, "login");
        ChallengePage challenge = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, eo)).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow))).StatusCode);

        HttpResponseMessage spent = await app.LoadChallengeAsync(page.PublicToken, eo);
        string html = await spent.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Gone, spent.StatusCode);
        Assert.Contains($"data-parent-origin=\"{EngineApp.ParentOrigin}\" data-status=\"410\"", html, StringComparison.Ordinal);
        Match link = Regex.Match(html, "<script src=\"(/crafy/challenge/assets/refusal\\.js\\?v=[0-9a-f]{16})\"></script>");
        Assert.True(link.Success, html);
        Assert.Contains("script-src 'self'", spent.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains($"frame-ancestors {EngineApp.ParentOrigin}", spent.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        HttpResponseMessage script = await app.Client.GetAsync(link.Groups[1].Value);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains("CHALLENGE_REFUSED", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_before_the_origin_check_posts_to_nobody()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        string eo = await app.GetEoAsync(page, "login");

        // The browser says the request came from another site than parent_origin claims.
        HttpResponseMessage forged = await app.LoadChallengeAsync(page.PublicToken, eo, originHeader: "https://evil.example");
        string html = await forged.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-parent-origin", html, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", forged.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }
}
