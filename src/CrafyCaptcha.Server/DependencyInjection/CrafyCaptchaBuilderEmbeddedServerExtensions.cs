using CrafyCaptcha.AspNetCore;
using CrafyCaptcha.Server;
using CrafyCaptcha.Server.Credentials;
using CrafyCaptcha.Server.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs the challenge engine inside the app that uses the SDK: a complete, offline, keyless setup.</summary>
public static class CrafyCaptchaBuilderEmbeddedServerExtensions
{
    /// <summary>
    /// Adds the challenge engine to this app and points the SDK and the widget at it: when no keys are configured the
    /// SDK uses the engine's development credential (in the Development environment only: elsewhere the app does not
    /// start without keys, and the message names them), the tag helper gets its public token from the engine, and the
    /// widget loads the challenge from <paramref name="mountPath"/>. Map the engine there with
    /// <c>app.MapCrafyChallengeServer(mountPath)</c>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCrafyCaptcha</c>.</param>
    /// <param name="mountPath">Where the engine is mapped (default <c>/crafy</c>).</param>
    /// <param name="configure">Adjusts the engine's options.</param>
    /// <returns>The builder.</returns>
    public static ICrafyCaptchaBuilder AddEmbeddedChallengeServer(this ICrafyCaptchaBuilder builder, string mountPath = "/crafy", Action<ChallengeServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddCrafyChallengeServer(configure);
        builder.Services.Configure<ChallengeServerOptions>(o => o.Embedded = true);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CrafyCaptchaOptions>, EmbeddedKeysValidator>());
        builder.Services.AddSingleton<IPostConfigureOptions<CrafyCaptchaOptions>, UseDevelopmentCredential>();
        ServiceDescriptor? previous = builder.Services.LastOrDefault(d => d.ServiceType == typeof(ICrafyPublicTokenProvider) && !d.IsKeyedService);
        builder.Services.Replace(ServiceDescriptor.Singleton<ICrafyPublicTokenProvider>(sp => new EmbeddedPublicTokenProvider(
            sp.GetRequiredService<CredentialStore>(),
            sp.GetRequiredService<IOptions<CrafyCaptchaOptions>>(),
            new Lazy<ICrafyPublicTokenProvider?>(() => Create(previous, sp)))));
        builder.Services.Configure<CrafyCaptchaHttpOptions>(o => o.IframeUrl ??= "~" + mountPath.TrimEnd('/') + "/challenge/");
        return builder;
    }

    /// <summary>Fills the SDK's keys from the engine's development credential when the app configured none.</summary>
    private sealed class UseDevelopmentCredential(CredentialStore store) : IPostConfigureOptions<CrafyCaptchaOptions>
    {
        public void PostConfigure(string? name, CrafyCaptchaOptions options)
        {
            if (string.IsNullOrEmpty(options.SecretKey) && store.Development is { } dev)
            {
                options.PublicKey = dev.Credential.PublicKey;
                options.SecretKey = dev.Credential.SecretKey;
                options.SigningPublicKey = dev.SigningPublicKey;
            }
            else if (store.FindByPublicKey(options.PublicKey) is { } served)
            {
                options.SigningPublicKey ??= served.SigningPublicKey;
            }
        }
    }

    /// <summary>The provider the app had before the engine replaced it (normally the hosted API's), built the same way.</summary>
    private static ICrafyPublicTokenProvider? Create(ServiceDescriptor? descriptor, IServiceProvider services)
        => descriptor switch
        {
            null => null,
            { ImplementationInstance: ICrafyPublicTokenProvider instance } => instance,
            { ImplementationFactory: { } factory } => (ICrafyPublicTokenProvider)factory(services),
            { ImplementationType: { } type } => (ICrafyPublicTokenProvider)ActivatorUtilities.CreateInstance(services, type),
            _ => null,
        };

    /// <summary>
    /// The public token of the engine's credential for the SDK's public key; other keys ask the provider registered
    /// before the engine (the hosted API's, or the test credentials' one).
    /// </summary>
    private sealed class EmbeddedPublicTokenProvider(CredentialStore store, IOptions<CrafyCaptchaOptions> options, Lazy<ICrafyPublicTokenProvider?> fallback) : ICrafyPublicTokenProvider
    {
        public ValueTask<string?> GetPublicTokenAsync(CancellationToken cancellationToken)
            => store.FindByPublicKey(options.Value.PublicKey) is { } served
                ? ValueTask.FromResult<string?>(served.Credential.PublicToken)
                : fallback.Value?.GetPublicTokenAsync(cancellationToken) ?? ValueTask.FromResult<string?>(null);
    }
}
