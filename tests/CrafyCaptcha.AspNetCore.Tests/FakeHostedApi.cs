using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.AspNetCore.Tests;

/// <summary>
/// A stand-in for the hosted API at captcha.crafy.net (outside this machine), on a real Kestrel server on 127.0.0.1:
/// <c>POST /api/?action=authenticate</c> as the protocol describes.
/// </summary>
public sealed class FakeHostedApi : IAsyncDisposable
{
    public const string PublicToken = "pt_from_fake_api_1";
    private readonly WebApplication _app;
    private int _authenticateCalls;

    private FakeHostedApi(WebApplication app) => _app = app;

    public int AuthenticateCalls => Volatile.Read(ref _authenticateCalls);

    /// <summary>How many of the next calls answer 503 (the client retries those).</summary>
    public int FailNext { get; set; }

    /// <summary>How every call is answered (after <see cref="FailNext"/>), to play the API's bad days.</summary>
    public ApiBehavior Behavior { get; set; }

    /// <summary>The <c>Retry-After</c> seconds of <see cref="ApiBehavior.RateLimited"/>.</summary>
    public int RetryAfterSeconds { get; set; } = 60;

    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<FakeHostedApi> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        var api = new FakeHostedApi(app);
        app.MapPost("/api/", async (HttpContext ctx) =>
        {
            if (ctx.Request.Query["action"] != "authenticate")
            {
                return Results.Json(new JsonObject { ["status"] = "error", ["message"] = "unknown action" }, statusCode: 400);
            }

            Interlocked.Increment(ref api._authenticateCalls);
            if (api.FailNext > 0)
            {
                api.FailNext--;
                return Results.Json(new JsonObject { ["status"] = "error", ["message"] = "busy" }, statusCode: 503);
            }

            switch (api.Behavior)
            {
                case ApiBehavior.RateLimited:
                    ctx.Response.Headers.RetryAfter = api.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return Results.Json(new JsonObject { ["status"] = "error", ["message"] = "rate limited" }, statusCode: 429);
                case ApiBehavior.ServerError:
                    return Results.Json(new JsonObject { ["status"] = "error", ["message"] = "internal error" }, statusCode: 500);
                case ApiBehavior.NeverAnswers:
                    await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return Results.Empty;
            }

            JsonObject? body = await ctx.Request.ReadFromJsonAsync<JsonObject>();
            if ((string?)body?["public_key"] != SampleApp.PublicKey || (string?)body?["secret_key"] != SampleApp.SecretKey)
            {
                return Results.Json(new JsonObject { ["status"] = "error", ["message"] = "bad credentials" }, statusCode: 401);
            }

            return Results.Json(new JsonObject
            {
                ["status"] = "success",
                ["data"] = new JsonObject { ["token"] = "jwt.bearer.token", ["public_token"] = PublicToken, ["expires_in"] = 3600 },
            });
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        api.BaseUrl = new Uri(address.TrimEnd('/') + "/api");
        return api;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>How <see cref="FakeHostedApi"/> answers <c>authenticate</c>.</summary>
public enum ApiBehavior
{
    /// <summary>As the protocol describes.</summary>
    Normal,

    /// <summary>429 with <c>Retry-After</c>, the API's documented rate limiting.</summary>
    RateLimited,

    /// <summary>500.</summary>
    ServerError,

    /// <summary>Accepts the request and never answers.</summary>
    NeverAnswers,
}
