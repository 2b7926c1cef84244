using System.Text.Json.Nodes;
using CrafyCaptcha.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.Testing;

/// <summary>
/// A minimal site in front of an engine on its own server (Kestrel on 127.0.0.1, Production), configured only by
/// <paramref name="configuration"/>: <c>AddCrafyCaptcha()</c>, the options endpoint, <c>/page</c> (what the tag helper
/// puts in a page: the public token and the antiforgery token) and a protected <c>/comments</c>.
/// </summary>
public static class EngineSite
{
    public static WebApplication Build(IEnumerable<IConfigurationSource> configuration, string contentRoot, ILoggerProvider? logs = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, ContentRootPath = contentRoot });
        builder.Configuration.Sources.Clear();
        foreach (IConfigurationSource source in configuration)
        {
            ((IConfigurationBuilder)builder.Configuration).Add(source);
        }

        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Services.AddCrafyCaptcha();
        WebApplication app = builder.Build();
        app.UseAntiforgery();
        app.MapCrafyOptions();
        app.MapGet("/page", async (HttpContext context, IAntiforgery antiforgery, ICrafyPublicTokenProvider tokens) => Results.Json(new JsonObject
        {
            ["publicToken"] = await tokens.GetPublicTokenAsync(context.RequestAborted),
            ["antiforgery"] = antiforgery.GetAndStoreTokens(context).RequestToken,
        }));
        app.MapPost("/comments", () => Results.Ok(new { saved = true })).RequireCrafyCaptcha();
        return app;
    }

    /// <summary>Posts a comment with <paramref name="token"/> in the header (none: without a token).</summary>
    public static Task<HttpResponseMessage> PostCommentAsync(HttpClient site, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/comments");
        if (token is not null)
        {
            request.Headers.Add(CrafyCaptchaHttpOptions.DefaultHeaderName, token);
        }

        return site.SendAsync(request);
    }
}
