using CrafyCaptcha.AspNetCore.Components;
using CrafyCaptcha.AspNetCore.Components.WebAssembly;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>&lt;CrafyCaptcha&gt;</c> component's services in a Blazor WebAssembly client.</summary>
public static class CrafyCaptchaWebAssemblyServiceCollectionExtensions
{
    /// <summary>
    /// Lets <c>&lt;CrafyCaptcha&gt;</c> run on WebAssembly (the WebAssembly and Auto render modes): the widget's settings
    /// come from the server, which persists them while it prerenders the page (<c>AddCrafyCaptcha()</c> on the server
    /// does that; only public values, the same the page's markup carries). Call it in the client project's
    /// <c>Program.cs</c>. Idempotent.
    /// </summary>
    /// <param name="services">The WebAssembly host's services.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddCrafyCaptchaWebAssembly(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddScoped<CrafyCaptchaStateProvider, WebAssemblyCrafyCaptchaStateProvider>();
        return services;
    }
}
