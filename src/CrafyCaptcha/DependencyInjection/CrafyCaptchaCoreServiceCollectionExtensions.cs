using CrafyCaptcha;
using CrafyCaptcha.Internal;
using CrafyCaptcha.Storage;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the CrafyCaptcha SDK core (no ASP.NET Core dependency: workers, functions, consoles).</summary>
public static class CrafyCaptchaCoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ICrafyCaptcha"/>, the default nonce store (in process, atomic, bounded; on the app's
    /// <c>IDistributedCache</c> instead when the app registered a shared one), <see cref="TimeProvider"/>, and start-up validation of <see cref="CrafyCaptchaOptions"/>.
    /// Keys left unset by the app are read from the <c>CRAFY_PUBLIC_KEY</c>, <c>CRAFY_SECRET_KEY</c> and
    /// <c>CRAFY_SIGNING_PUBLIC_KEY</c> environment variables. Idempotent.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder to add stores and policies.</returns>
    public static ICrafyCaptchaBuilder AddCrafyCaptchaCore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CrafyCaptchaOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CrafyCaptchaOptions>, CrafyCaptchaOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<CrafyCaptchaOptions>, CrafyCaptchaEnvironmentVariables>());
        services.AddLogging();
        services.AddDistributedMemoryCache();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<INonceStore>(static provider => provider.GetRequiredService<IDistributedCache>().GetType() == typeof(MemoryDistributedCache)
            ? ActivatorUtilities.CreateInstance<InMemoryNonceStore>(provider)
            : ActivatorUtilities.CreateInstance<DistributedCacheNonceStore>(provider));
        services.TryAddSingleton<ICrafyCaptcha, CrafyCaptchaService>();
        return new CrafyCaptchaBuilder(services);
    }

    /// <summary><see cref="AddCrafyCaptchaCore(IServiceCollection)"/> plus <paramref name="configure"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options (keys, lifetimes).</param>
    /// <returns>A builder to add stores and policies.</returns>
    public static ICrafyCaptchaBuilder AddCrafyCaptchaCore(this IServiceCollection services, Action<CrafyCaptchaOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        ICrafyCaptchaBuilder builder = services.AddCrafyCaptchaCore();
        services.Configure(configure);
        return builder;
    }
}
