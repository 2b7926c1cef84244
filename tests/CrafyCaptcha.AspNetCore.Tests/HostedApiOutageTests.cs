using System.Diagnostics;
using System.Net;

namespace CrafyCaptcha.AspNetCore.Tests;

/// <summary>
/// The hosted API's bad days (rate limited, failing, silent) must never take a page down: every page of the sample that
/// renders a widget answers 2xx within 3 s, on the first and on later visits, and picks the token up once the API is back.
/// </summary>
public sealed class HostedApiOutageTests
{
    private static readonly string[] WidgetPages = ["/Account/Login", "/Register", "/Comments"];
    private static readonly TimeSpan PageBudget = TimeSpan.FromSeconds(3);

    [Theory]
    [InlineData(ApiBehavior.RateLimited)]
    [InlineData(ApiBehavior.ServerError)]
    [InlineData(ApiBehavior.NeverAnswers)]
    public async Task Pages_with_a_widget_render_quickly_while_the_api_is_down(ApiBehavior behavior)
    {
        await using FakeHostedApi api = await FakeHostedApi.StartAsync();
        api.Behavior = behavior;
        using var app = new SampleApp();
        app.Settings["CrafyCaptcha:ApiBaseUrl"] = api.BaseUrl.ToString();
        using HttpClient client = app.Client();

        for (int visit = 0; visit < 3; visit++)
        {
            foreach (string page in WidgetPages)
            {
                var watch = Stopwatch.StartNew();
                using HttpResponseMessage response = await client.GetAsync(page);
                watch.Stop();
                string html = await response.Content.ReadAsStringAsync();

                Assert.True(response.IsSuccessStatusCode, $"{page} (visit {visit + 1}) answered {(int)response.StatusCode} while the API was {behavior}");
                Assert.True(watch.Elapsed < PageBudget, $"{page} (visit {visit + 1}) took {watch.ElapsedMilliseconds} ms while the API was {behavior}");
                Assert.Contains("data-crafy-error=\"public_token_unavailable\"", html, StringComparison.Ordinal);
                Assert.DoesNotContain(FakeHostedApi.PublicToken, html, StringComparison.Ordinal);
            }
        }

        // A rate-limited or failing API is not asked again on every page: the failure is remembered.
        if (behavior != ApiBehavior.NeverAnswers)
        {
            Assert.InRange(api.AuthenticateCalls, 1, 4); // one refresh, with the resilience handler's retries of a 500
        }
    }

    [Fact]
    public async Task A_rate_limited_api_is_not_asked_again_before_its_retry_after()
    {
        await using FakeHostedApi api = await FakeHostedApi.StartAsync();
        api.Behavior = ApiBehavior.RateLimited;
        api.RetryAfterSeconds = 60;
        using var app = new SampleApp();
        app.Settings["CrafyCaptcha:ApiBaseUrl"] = api.BaseUrl.ToString();
        using HttpClient client = app.Client();

        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Login")).StatusCode);
        }

        api.Behavior = ApiBehavior.Normal; // back, but its Retry-After has not passed: not asked yet
        string html = await client.GetStringAsync("/Account/Login");

        Assert.Equal(1, api.AuthenticateCalls);
        Assert.Contains("data-crafy-error=\"public_token_unavailable\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_comes_back_after_the_retry_after_when_the_api_recovers()
    {
        await using FakeHostedApi api = await FakeHostedApi.StartAsync();
        api.Behavior = ApiBehavior.RateLimited;
        api.RetryAfterSeconds = 1;
        using var app = new SampleApp();
        app.Settings["CrafyCaptcha:ApiBaseUrl"] = api.BaseUrl.ToString();
        using HttpClient client = app.Client();

        Assert.Contains("public_token_unavailable", await client.GetStringAsync("/Account/Login"), StringComparison.Ordinal);
        api.Behavior = ApiBehavior.Normal;

        // The first backoff is 5 s (longer than this Retry-After); poll until the provider tries again.
        var watch = Stopwatch.StartNew();
        string html;
        do
        {
            await Task.Delay(250);
            html = await client.GetStringAsync("/Account/Login");
        }
        while (!html.Contains(FakeHostedApi.PublicToken, StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(15));

        Assert.Contains($"\"{FakeHostedApi.PublicToken}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("public_token_unavailable", html, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_silent_api_holds_a_page_only_for_the_budget_and_later_pages_not_at_all()
    {
        await using FakeHostedApi api = await FakeHostedApi.StartAsync();
        api.Behavior = ApiBehavior.NeverAnswers;
        using var app = new SampleApp();
        app.Settings["CrafyCaptcha:ApiBaseUrl"] = api.BaseUrl.ToString();
        app.Settings["CrafyCaptcha:PublicTokenTimeout"] = "00:00:02";
        using HttpClient client = app.Client();

        var watch = Stopwatch.StartNew();
        using HttpResponseMessage first = await client.GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.8), TimeSpan.FromSeconds(6)); // the budget, not the API's 10 s attempt timeout

        // Five more visits during the same silent refresh: none waits the 2 s again (together they would take 10 s).
        watch.Restart();
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Comments")).StatusCode);
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"5 visits took {watch.ElapsedMilliseconds} ms");
    }
}
