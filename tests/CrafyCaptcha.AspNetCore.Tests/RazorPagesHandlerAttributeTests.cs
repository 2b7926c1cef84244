using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.Tests;

/// <summary>A page model that puts the attribute where Razor Pages ignore it: on a handler method.</summary>
public sealed class HandlerLevelCaptchaPageModel : PageModel
{
    public void OnGet()
    {
    }

    [RequireCrafyCaptcha("comments")]
    public void OnPostSend()
    {
    }
}

/// <summary>The supported placement: on the page model class.</summary>
[RequireCrafyCaptcha("comments")]
public sealed class PageLevelCaptchaPageModel : PageModel
{
    public void OnPost()
    {
    }
}

/// <summary>[RequireCrafyCaptcha] on a Razor Pages handler method would be silently ignored: the app refuses to start.</summary>
public sealed class RazorPagesHandlerAttributeTests
{
    private sealed class TypesPart(params Type[] types) : ApplicationPart, IApplicationPartTypeProvider
    {
        public override string Name => "crafy-test-pages";

        public IEnumerable<TypeInfo> Types => types.Select(t => t.GetTypeInfo());
    }

    private static async Task<Exception?> StartAsync(Type pageModel)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CrafyCaptcha:PublicKey"] = SampleApp.PublicKey,
            ["CrafyCaptcha:SecretKey"] = SampleApp.SecretKey,
            ["CrafyCaptcha:SigningPublicKey"] = SampleApp.SigningPublicKey,
        });
        builder.Services.AddRazorPages().ConfigureApplicationPartManager(m =>
        {
            m.ApplicationParts.Clear();
            m.ApplicationParts.Add(new TypesPart(pageModel));
        });
        builder.Services.AddCrafyCaptcha().AddFlowPolicy("comments", _ => { });
        await using WebApplication app = builder.Build();
        app.MapRazorPages();
        Exception? error = await Record.ExceptionAsync(() => app.StartAsync());
        if (error is null)
        {
            await app.StopAsync();
        }

        return error;
    }

    [Fact]
    public async Task The_attribute_on_a_handler_method_stops_the_app_and_says_where_to_put_it()
    {
        Exception? error = await StartAsync(typeof(HandlerLevelCaptchaPageModel));

        InvalidOperationException refusal = Assert.IsType<InvalidOperationException>(error);
        Assert.Contains($"[RequireCrafyCaptcha] on {typeof(HandlerLevelCaptchaPageModel).FullName}.OnPostSend", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("Put [RequireCrafyCaptcha] on the page model class", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_attribute_on_the_page_model_class_starts()
    {
        Assert.Null(await StartAsync(typeof(PageLevelCaptchaPageModel)));
    }
}
