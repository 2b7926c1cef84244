using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.AspNetCore.Tests;

/// <summary>
/// A small app on the real ASP.NET Core pipeline (TestServer) with the controllers of this test assembly and the
/// test credential that passes every non-empty token: a missing token is the only failure it produces.
/// </summary>
public sealed class MiniApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MiniApp(WebApplication app)
    {
        _app = app;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    /// <summary>The actions that ran, in order.</summary>
    public ConcurrentQueue<string> Ran => _app.Services.GetRequiredService<ConcurrentQueue<string>>();

    public static async Task<MiniApp> StartAsync(Action<ICrafyCaptchaBuilder> policies, Action<WebApplication>? pipeline = null, Action<CrafyCaptchaHttpOptions>? options = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CrafyCaptcha:PublicKey"] = CrafyCaptchaTestCredentials.PublicKey,
            ["CrafyCaptcha:SecretKey"] = CrafyCaptchaTestCredentials.AlwaysPassesSecretKey,
        });
        builder.Services.AddSingleton<ConcurrentQueue<string>>();
        builder.Services.AddControllers().AddApplicationPart(typeof(MiniApp).Assembly);
        policies(builder.Services.AddCrafyCaptcha(options ?? (_ => { })));
        WebApplication app = builder.Build();
        pipeline?.Invoke(app);
        app.MapControllers();
        await app.StartAsync();
        return new MiniApp(app);
    }

    public Task<HttpResponseMessage> PostAsync(string path, Dictionary<string, string> fields, string? acceptLanguage = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        if (acceptLanguage is not null)
        {
            request.Headers.Add("Accept-Language", acceptLanguage);
        }

        return Client.SendAsync(request);
    }

    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }
}
