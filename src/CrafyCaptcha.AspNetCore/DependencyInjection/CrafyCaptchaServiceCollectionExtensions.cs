using CrafyCaptcha.AspNetCore;
using CrafyCaptcha.AspNetCore.Internal;
using CrafyCaptcha.AspNetCore.TagHelpers;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers CrafyCaptcha for ASP.NET Core.</summary>
public static class CrafyCaptchaServiceCollectionExtensions
{
    /// <summary>
    /// Adds CrafyCaptcha: the SDK core, the nonce store on <c>IDistributedCache</c> (in-memory unless the app has
    /// one; on Redis' <c>AddStackExchangeRedisCache</c>, consumed atomically across instances with one Redis command), options bound from the <c>CrafyCaptcha</c> section and the <c>CRAFY_*</c> variables and validated at
    /// start-up, the MVC/Razor Pages filter, localisation of the failure messages, the options endpoint and the tag helpers' services. Idempotent.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <returns>A builder for policies, stores and the challenge engine.</returns>
    public static ICrafyCaptchaBuilder AddCrafyCaptcha(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        bool alreadyAdded = services.Any(d => d.ServiceType == typeof(CrafyCaptchaRequestVerifier));
        ICrafyCaptchaBuilder builder = services.AddCrafyCaptchaCore().AddRedisDistributedCacheNonces();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<CrafyCaptchaOptions>, CrafyCaptchaConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CrafyCaptchaOptions>, CrafyCaptchaWebOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IConfigureOptions<MvcOptions>, ConfigureMvcFilter>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<Microsoft.AspNetCore.Hosting.IStartupFilter, RazorPagesHandlerAttributeCheck>());
        services.AddOptions<CrafyCaptchaHttpOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CrafyCaptchaHttpOptions>, CrafyCaptchaHttpOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<CrafyCaptchaHttpOptions>, CrafyCaptchaConfigureHttpOptions>());
        services.AddAntiforgery();
        services.AddMetrics();
        services.AddLocalization();
        services.TryAddSingleton<CrafyCaptchaMetrics>();
        services.TryAddSingleton<CrafyCaptchaRequestVerifier>();
        // The test credentials are stand-in implementations chosen here, so that no request path branches on the key.
        services.TryAddSingleton<IFlowVerdict>(sp =>
        {
            string? secretKey = sp.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value.SecretKey;
            if (TestCredentialFlowVerdict.For(secretKey) is { } test)
            {
                Log.TestCredentialsInUse(sp.GetRequiredService<ILogger<CrafyCaptchaRequestVerifier>>(), secretKey!);
                return test;
            }

            return ActivatorUtilities.CreateInstance<SdkFlowVerdict>(sp);
        });
        services.TryAddSingleton<IPolicyFlowOptions>(sp =>
            sp.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value.SecretKey == CrafyCaptchaTestCredentials.ForcesPuzzleSecretKey
                ? new ForcedPuzzleFlowOptions()
                : new PolicyFlowOptions());
        services.TryAddSingleton<CrafyCaptchaGate>();
        services.TryAddSingleton<CrafyCaptchaMvcFilter>();
        services.TryAddSingleton<FlowIssuer>();
        services.TryAddSingleton<OptionsEndpoint>();
        services.TryAddSingleton<WidgetSettingsEndpoint>();
        services.TryAddSingleton<HostedPublicTokenProvider>();
        services.TryAddSingleton<ICrafyPublicTokenProvider>(sp =>
            CrafyCaptchaTestCredentials.IsTestSecretKey(sp.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value.SecretKey)
                ? new TestCredentialPublicTokenProvider()
                : sp.GetRequiredService<HostedPublicTokenProvider>());
        services.TryAddSingleton<ICrafyCaptchaApiClient, CrafyCaptchaApiClient>();
        services.TryAddSingleton<CrafyCaptchaWidgetRenderer>();
        // The <CrafyCaptcha> Blazor component's server side (static SSR and interactive Server).
        services.AddHttpContextAccessor();
        services.TryAddScoped<CrafyCaptcha.AspNetCore.Components.CrafyCaptchaStateProvider, CrafyCaptcha.AspNetCore.Components.Server.ServerCrafyCaptchaStateProvider>();
        if (!alreadyAdded)
        {
            // The official client's behaviour: 10 s per attempt, 3 retries from 500 ms doubling. It runs in the
            // background (pages wait at most PublicTokenTimeout); a 429 is not retried here: the provider remembers
            // it until the API's Retry-After instead of hammering a rate-limited API.
            services.AddHttpClient(HostedPublicTokenProvider.HttpClientName).AddStandardResilienceHandler(o =>
            {
                OfficialClientRetries(o);
                Func<Polly.Retry.RetryPredicateArguments<HttpResponseMessage>, ValueTask<bool>> transient = o.Retry.ShouldHandle;
                o.Retry.ShouldHandle = args => args.Outcome.Result?.StatusCode == System.Net.HttpStatusCode.TooManyRequests
                    ? ValueTask.FromResult(false)
                    : transient(args);
            });

            // ICrafyCaptchaApiClient: the same, but a 429 is waited out (Retry-After, else the backoff) and retried.
            services.AddHttpClient(CrafyCaptchaApiClient.HttpClientName).AddStandardResilienceHandler(OfficialClientRetries);
        }

        return builder;
    }

    /// <summary>The official client's timing: 10 s per attempt, 3 retries from 500 ms doubling (Retry-After honoured), 45 s in all.</summary>
    private static void OfficialClientRetries(Microsoft.Extensions.Http.Resilience.HttpStandardResilienceOptions o)
    {
        o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
        o.Retry.MaxRetryAttempts = 3;
        o.Retry.Delay = TimeSpan.FromMilliseconds(500);
        o.Retry.BackoffType = Polly.DelayBackoffType.Exponential;
        o.Retry.UseJitter = false;
        o.Retry.ShouldRetryAfterHeader = true;
        o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(45);
    }

    /// <summary><see cref="AddCrafyCaptcha(IServiceCollection)"/> plus <paramref name="configure"/> for the HTTP options.</summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Sets policies, token locations, messages and the rejection hook.</param>
    /// <returns>A builder for policies, stores and the challenge engine.</returns>
    public static ICrafyCaptchaBuilder AddCrafyCaptcha(this IServiceCollection services, Action<CrafyCaptchaHttpOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        ICrafyCaptchaBuilder builder = services.AddCrafyCaptcha();
        services.Configure(configure);
        return builder;
    }
}
