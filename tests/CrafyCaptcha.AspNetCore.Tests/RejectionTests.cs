using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CrafyCaptcha.AspNetCore.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.Tests;

public sealed class RejectionTests
{
    [Fact]
    public async Task OnRejected_can_shape_the_failure_response()
    {
        using var app = new SampleApp
        {
            ConfigureServices = s => s.Configure<CrafyCaptchaHttpOptions>(o => o.OnRejected = async ctx =>
            {
                ctx.HttpContext.Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
                await ctx.HttpContext.Response.WriteAsync($"captcha said no: {ctx.ErrorCode} for {ctx.Feature.PolicyName}");
            }),
        };
        using HttpClient client = app.Client();

        HttpResponseMessage response = await SampleApp.PostFormAsync(client, "/Comments", "/comments", new() { ["author"] = "a", ["text"] = "b" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("captcha said no: captcha_missing for comments", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_unavailable_store_fails_closed_with_503_and_the_options_endpoint_too()
    {
        using var app = new SampleApp { ConfigureServices = s => s.AddSingleton<INonceStore, UnreachableStore>() };
        using HttpClient client = app.Client();
        var fields = new Dictionary<string, string>
        {
            ["author"] = "a",
            ["text"] = "b",
            ["CrafyCAPTCHA_token"] = SampleApp.TokenFor(new string('b', 64), DateTimeOffset.UtcNow.AddMinutes(5)),
        };

        HttpResponseMessage verify = await SampleApp.PostFormAsync(client, "/Comments", "/comments", fields);
        string antiforgery = await SampleApp.AntiforgeryTokenAsync(client, "/Comments");
        HttpResponseMessage options = await client.PostAsync("/crafy-options", new StringContent($"{{\"action\":\"get_options\",\"policy\":\"comments\",\"__RequestVerificationToken\":\"{antiforgery}\"}}", Encoding.UTF8, "application/json"));
        HttpResponseMessage health = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, verify.StatusCode);
        JsonObject problem = await SampleApp.ProblemAsync(verify);
        Assert.Equal(CrafyCaptchaErrorCodes.Unavailable, (string)problem["code"]!);
        Assert.Equal(Messages.English[CrafyCaptchaFailureKind.Unavailable], (string)problem["detail"]!);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, options.StatusCode);
        Assert.Equal(CrafyCaptchaErrorCodes.Unavailable, (string)(await SampleApp.ProblemAsync(options))["code"]!);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
    }

    [Fact]
    public async Task A_request_is_verified_once_and_every_reader_sees_that_result()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        var verifier = app.Services.GetRequiredService<CrafyCaptchaRequestVerifier>();
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Request.Method = "POST";
        context.Request.Headers["X-Crafy-Captcha-Token"] = await app.MintTokenAsync("comments");

        ICrafyCaptchaFeature first = await verifier.VerifyAsync(context, "comments");
        ICrafyCaptchaFeature second = await verifier.VerifyAsync(context, "comments");

        Assert.True(first.Verification.IsValid);
        Assert.Same(first, second);
        Assert.Same(first.Verification, context.GetCrafyCaptchaResult());

        // A new request with the same token is a replay.
        var replay = new DefaultHttpContext { RequestServices = app.Services };
        replay.Request.Method = "POST";
        replay.Request.Headers["X-Crafy-Captcha-Token"] = context.Request.Headers["X-Crafy-Captcha-Token"];
        Assert.Equal(FlowFailure.NonceNotFound, (await verifier.VerifyAsync(replay, "comments")).Verification.Failure);
    }

    private sealed class UnreachableStore : INonceStore
    {
        public ValueTask StoreAsync(string nonce, string? contextJson, TimeSpan lifetime, CancellationToken cancellationToken = default)
            => throw new NonceStoreUnavailableException("store down (test)");

        public ValueTask<NonceConsumption> TryConsumeAsync(string nonce, CancellationToken cancellationToken = default)
            => throw new NonceStoreUnavailableException("store down (test)");

        public ValueTask ClearAllNoncesAsync(CancellationToken cancellationToken = default)
            => throw new NonceStoreUnavailableException("store down (test)");
    }
}

public sealed class CommentFormTests
{
    [Fact]
    public async Task A_browser_form_post_that_fails_returns_to_the_form_with_the_input_and_the_reason()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        string antiforgery = await SampleApp.AntiforgeryTokenAsync(client, "/Comments");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/comments")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["author"] = "Ana <3", ["text"] = "my long comment", ["__RequestVerificationToken"] = antiforgery }),
        };
        request.Headers.Add("Accept", "text/html,application/xhtml+xml");

        HttpResponseMessage response = await client.SendAsync(request);
        string form = await client.GetStringAsync(response.Headers.Location!.ToString());

        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("value=\"Ana &lt;3\"", form, StringComparison.Ordinal);
        Assert.Contains(">my long comment</textarea>", form, StringComparison.Ordinal);
        Assert.Contains(System.Text.Encodings.Web.HtmlEncoder.Default.Encode(Messages.English[CrafyCaptchaFailureKind.Missing]), form, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_long_comment_that_fails_again_and_again_never_grows_the_cookies()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client(); // keeps the cookies it is given, as a browser does
        string text = new('x', CrafyCaptcha.Sample.CommentForm.MaxTextLength);

        for (int attempt = 0; attempt < 5; attempt++)
        {
            HttpResponseMessage response = await PostAsBrowserAsync(client, new() { ["author"] = "Ana", ["text"] = text });
            Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
            int cookieBytes = response.Headers.TryGetValues("Set-Cookie", out IEnumerable<string>? cookies) ? cookies.Sum(c => c.Length) : 0;
            Assert.True(cookieBytes < 1024, $"attempt {attempt + 1} set {cookieBytes} bytes of cookies");
            string form = await client.GetStringAsync("/Comments");
            Assert.Contains(text, form, StringComparison.Ordinal); // the input is kept, server-side
        }

        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/Account/Login")).StatusCode); // never 431
    }

    [Fact]
    public async Task A_browser_comment_with_invalid_input_returns_to_the_form_not_raw_json()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        var fields = new Dictionary<string, string> { ["author"] = "Ana", ["text"] = " ", ["CrafyCAPTCHA_token"] = await app.MintTokenAsync("comments") };

        HttpResponseMessage response = await PostAsBrowserAsync(client, fields);

        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        string form = await client.GetStringAsync(response.Headers.Location!.ToString());
        Assert.Contains("value=\"Ana\"", form, StringComparison.Ordinal);
        Assert.Contains("Author and text are required", form, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PostAsBrowserAsync(HttpClient client, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = await SampleApp.AntiforgeryTokenAsync(client, "/Comments");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/comments") { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Accept", "text/html,application/xhtml+xml");
        return await client.SendAsync(request);
    }
}
