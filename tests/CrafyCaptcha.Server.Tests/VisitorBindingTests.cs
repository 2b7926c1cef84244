using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// Tokens bound to the browser that got the flow, end to end over real sockets: a token solved by browser A and posted
/// by browser B (other cookies) is refused with <c>captcha_wrong_visitor</c>; browser A posting from another address
/// (a phone that changed networks) is accepted. No header tricks: each client binds its own source address.
/// </summary>
public sealed class VisitorBindingTests
{
    private static readonly IPAddress Home = IPAddress.Parse("127.0.91.10");
    private static readonly IPAddress Elsewhere = IPAddress.Parse("127.0.92.20");

    [Fact]
    public async Task A_token_solved_in_browser_A_and_posted_by_browser_B_is_refused_as_wrong_visitor()
    {
        using var app = new EngineApp(listenOn: IPAddress.Loopback);
        using HttpClient browserA = BoundClient.From(Home, app.BaseAddress);
        using HttpClient browserB = BoundClient.From(Home, app.BaseAddress); // same address, other cookies
        string token = await SolveAsync(app, browserA);

        PageInit pageB = await EngineApp.OpenPageAsync(browserB, "/Comments");
        HttpResponseMessage posted = await PostCommentAsync(browserB, pageB, token);

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        JsonObject problem = (await posted.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("captcha_wrong_visitor", (string)problem["code"]!);

        // The refused token is spent: browser A cannot use it afterwards either (nothing to stockpile).
        PageInit pageA = await EngineApp.OpenPageAsync(browserA, "/Comments");
        Assert.Equal(HttpStatusCode.BadRequest, (await PostCommentAsync(browserA, pageA, token)).StatusCode);
    }

    [Fact]
    public async Task Browser_A_posting_its_token_from_another_address_is_accepted()
    {
        using var app = new EngineApp(listenOn: IPAddress.Loopback);
        var cookies = new CookieContainer();
        using HttpClient atHome = BoundClient.From(Home, app.BaseAddress, cookies);
        using HttpClient onTheTrain = BoundClient.From(Elsewhere, app.BaseAddress, cookies);
        string token = await SolveAsync(app, atHome);

        PageInit page = await EngineApp.OpenPageAsync(onTheTrain, "/Comments");
        HttpResponseMessage posted = await PostCommentAsync(onTheTrain, page, token);

        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Cookie visitor = Assert.Single(cookies.GetAllCookies(), c => c.Name == "CrafyCAPTCHA.Visitor");
        Assert.True(visitor.HttpOnly);
    }

    [Fact]
    public async Task A_page_with_a_widget_sets_the_visitor_cookie_itself_so_two_widgets_asking_at_once_share_one_visitor()
    {
        using var app = new EngineApp(listenOn: IPAddress.Loopback);
        var cookies = new CookieContainer();
        using HttpClient browser = BoundClient.From(Home, app.BaseAddress, cookies);

        // A first visit of the two-widget page: the page's own response sets the cookie, before any flow is asked.
        using HttpResponseMessage page = await browser.GetAsync("/Contact");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Cookie visitor = Assert.Single(cookies.GetAllCookies(), c => c.Name == "CrafyCAPTCHA.Visitor");

        // Both widgets' option requests at once (as a browser sends them): neither sets another visitor.
        PageInit init = await EngineApp.OpenPageAsync(browser, "/Comments");
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => EngineApp.GetEoAsync(browser, init, "comments")));
        Assert.Equal(visitor.Value, Assert.Single(cookies.GetAllCookies(), c => c.Name == "CrafyCAPTCHA.Visitor").Value);
    }

    [Fact]
    public async Task A_script_that_drops_the_visitor_cookie_between_solving_and_posting_is_refused()
    {
        using var app = new EngineApp(listenOn: IPAddress.Loopback);
        var cookies = new CookieContainer();
        using HttpClient client = BoundClient.From(Home, app.BaseAddress, cookies);
        string token = await SolveAsync(app, client);
        foreach (Cookie cookie in cookies.GetAllCookies().Where(c => c.Name == "CrafyCAPTCHA.Visitor"))
        {
            cookie.Expired = true;
        }

        PageInit page = await EngineApp.OpenPageAsync(client, "/Comments");
        HttpResponseMessage posted = await PostCommentAsync(client, page, token);

        Assert.Equal("captcha_wrong_visitor", (string)(await posted.Content.ReadFromJsonAsync<JsonObject>())!["code"]!);
    }

    /// <summary>The widget's part for the comment form, from <paramref name="browser"/>: page, flow, challenge, answer → token.</summary>
    private static async Task<string> SolveAsync(EngineApp app, HttpClient browser)
    {
        PageInit page = await EngineApp.OpenPageAsync(browser, "/Comments");
        string eo = await EngineApp.GetEoAsync(browser, page, "comments");
        ChallengePage challenge = await EngineApp.LoadChallengeAsync(browser, page.PublicToken, eo, app.BaseAddress.GetLeftPart(UriPartial.Authority));
        (HttpStatusCode status, JsonObject body) = await EngineApp.AnswerAsync(browser, challenge);
        Assert.Equal(HttpStatusCode.OK, status);
        return EngineApp.TokenFrom(body);
    }

    private static Task<HttpResponseMessage> PostCommentAsync(HttpClient browser, PageInit page, string token)
        => browser.PostAsync("/comments", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["author"] = "ada",
            ["text"] = "hello",
            ["CrafyCAPTCHA_token"] = token,
            ["__RequestVerificationToken"] = page.Antiforgery,
        }));
}
