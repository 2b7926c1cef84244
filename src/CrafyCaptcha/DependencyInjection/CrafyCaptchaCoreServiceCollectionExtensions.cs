using CrafyCaptcha;
using CrafyCaptcha.Internal;
using CrafyCaptcha.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the CrafyCaptcha SDK core (no ASP.NET Core dependency: workers, functions, consoles).</summary>
public static class CrafyCaptchaCoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ICrafyCaptcha"/>, the default nonce store, <see cref="TimeProvider"/>, and start-up validation of
    /// <see cref="CrafyCaptchaOptions"/>. The default nonce store follows the app's <c>IDistributedCache</c>: in process
    /// (atomic, bounded) on the in-memory cache; the store registered for the cache's type as a keyed
    /// <see cref="INonceStore"/> (the key is the cache's type; the Redis package's <c>AddRedisDistributedCacheNonces()</c>
    /// registers one for <c>RedisCache</c>); any other shared cache only with
    /// <see cref="CrafyCaptchaOptions.AcceptPerProcessReplayProtection"/> or in Development, else the host fails to start
    /// with a message naming the fix. The store in use is logged when the host starts.
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
        services.TryAddSingleton<INonceStore>(NonceStoreSelection.Select);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, NonceStoreStartupCheck>());
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
