using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.Server.ControlPanel.Tests;

/// <summary>The admin pages over real HTTP (TestServer) in a host with its own authorization policy, and the engine beside them.</summary>
public sealed class ControlPanelPageTests : IAsyncLifetime
{
    private PanelHost _host = null!;

    public async Task InitializeAsync() => _host = await PanelHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Anonymous_and_non_admin_requests_are_refused_and_create_nothing()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Client(null).GetAsync("/crafy/admin/")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.Client("editor").GetAsync("/crafy/admin/")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.Client("editor").GetAsync("/crafy/admin/credentials/new")).StatusCode);
        HttpResponseMessage post = await _host.Client(null).PostAsync("/crafy/admin/credentials", new FormUrlEncodedContent(new Dictionary<string, string> { ["plan"] = "scale" }));
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);

        string list = await _host.Client().GetStringAsync("/crafy/admin/");
        Assert.Contains("No stored credential yet", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_shows_the_secrets_once_and_never_again()
    {
        HttpClient admin = _host.Client();
        HttpResponseMessage created = await PanelHost.PostFormAsync(admin, "/crafy/admin/credentials/new", "/crafy/admin/credentials",
            new() { ["name"] = "Shop <b>one</b>", ["plan"] = "growth", ["domains"] = "shop.example\nwww.shop.example" });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("no-store", created.Headers.CacheControl!.ToString());
        string html = await created.Content.ReadAsStringAsync();
        string secret = Code(html, "secret-key");
        string signingPrivate = Code(html, "signing-private-key");
        string pk = Code(html, "public-key");
        Assert.Matches("^sk_[0-9a-f]{64}$", secret);
        Assert.Contains("Shop &lt;b&gt;one&lt;/b&gt;", await admin.GetStringAsync("/crafy/admin/"), StringComparison.Ordinal); // encoded, not markup

        foreach (string page in (string[])["/crafy/admin/", "/crafy/admin/credentials/" + pk])
        {
            string again = await admin.GetStringAsync(page);
            Assert.Contains(pk, again, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, again, StringComparison.Ordinal);
            Assert.DoesNotContain(signingPrivate, again, StringComparison.Ordinal);
        }

        // The engine serves it at once, beside the configured credential.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/crafy/api/turnstile_site_key.php?pk=" + pk)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/crafy/api/turnstile_site_key.php?pk=" + PanelHost.ConfiguredPublicKey)).StatusCode);
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused_and_creates_nothing()
    {
        HttpClient admin = _host.Client();
        HttpResponseMessage refused = await PanelHost.PostFormAsync(admin, "/crafy/admin/credentials/new", "/crafy/admin/credentials", new() { ["plan"] = "starter" }, withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.DoesNotContain("sk_", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("No stored credential yet", await admin.GetStringAsync("/crafy/admin/"), StringComparison.Ordinal);

        HttpResponseMessage badDomain = await PanelHost.PostFormAsync(admin, "/crafy/admin/credentials/new", "/crafy/admin/credentials", new() { ["plan"] = "starter", ["domains"] = "https://shop.example/" });
        Assert.Equal(HttpStatusCode.BadRequest, badDomain.StatusCode);
        Assert.Contains("role=\"alert\"", await badDomain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_domain_removed_in_the_panel_is_refused_by_the_engine_at_once()
    {
        HttpClient admin = _host.Client();
        (string pk, string pt, _, _) = await PanelHost.CreateThroughPageAsync(admin, domains: "shop.example");

        // Allowed: the engine goes past the domain check (and refuses the made-up options).
        (HttpStatusCode status, string body) = await _host.OpenChallengeAsync(pt, "https://shop.example");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.DoesNotContain("is not allowed", body, StringComparison.Ordinal);

        HttpResponseMessage saved = await PanelHost.PostFormAsync(admin, "/crafy/admin/credentials/" + pk, $"/crafy/admin/credentials/{pk}/domains", new() { ["domains"] = "other.example" });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);

        (status, body) = await _host.OpenChallengeAsync(pt, "https://shop.example");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("The domain shop.example is not allowed", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await _host.OpenChallengeAsync(pt, "https://other.example")).Status);
    }

    [Fact]
    public async Task Rotate_serves_both_then_disable_stops_the_new_one_and_a_plan_change_replaces_the_public_token()
    {
        HttpClient admin = _host.Client();
        (string pk, _, string oldSecret, _) = await PanelHost.CreateThroughPageAsync(admin, domains: "shop.example");

        HttpResponseMessage rotated = await PanelHost.PostFormAsync(admin, "/crafy/admin/credentials/" + pk, $"/crafy/admin/credentials/{pk}/rotate", []);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        string rotatedHtml = await rotated.Content.ReadAsStringAsync();
        string next = Code(rotatedHtml, "public-key");
        string nextToken = Code(rotatedHtml, "public-token");
        Assert.NotEqual(pk, next);
        Assert.NotEqual(oldSecret, Code(rotatedHtml, "secret-key"));
        Assert.Contains("retiring", await admin.GetStringAsync("/crafy/admin/credentials/" + pk), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/crafy/api/turnstile_site_key.php?pk=" + pk)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/crafy/api/turnstile_site_key.php?pk=" + next)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _host.OpenChallengeAsync(nextToken, "https://shop.example")).Status); // domains carried over

        Assert.Equal(HttpStatusCode.Redirect, (await PanelHost.PostFormAsync(admin, "/crafy/admin/credentials/" + next, $"/crafy/admin/credentials/{next}/plan", new() { ["plan"] = "scale" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.OpenChallengeAsync(nextToken, "https://shop.example")).Status); // the old public token is gone
        string detail = await admin.GetStringAsync("/crafy/admin/credentials/" + next);
        Assert.DoesNotContain(nextToken, detail, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await PanelHost.PostFormAsync(admin, "/crafy/admin/credentials/" + next, $"/crafy/admin/credentials/{next}/disable", [])).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/crafy/api/turnstile_site_key.php?pk=" + next)).StatusCode);
        Assert.Contains("disabled", await admin.GetStringAsync("/crafy/admin/credentials/" + next), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_panel_is_not_mapped_without_a_policy()
    {
        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(() => PanelHost.StartAsync(policy: null));
        Assert.Contains("CrafyChallengeServer:ControlPanel:AuthorizationPolicy", ex.Message, StringComparison.Ordinal);
    }

    private static string Code(string html, string id) => PanelHost.Code(html, id);
}
