using CrafyCaptcha.Server;
using CrafyCaptcha.Server.Api;
using CrafyCaptcha.Server.Credentials;
using CrafyCaptcha.Server.Flows;
using CrafyCaptcha.Server.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the CrafyCaptcha challenge engine.</summary>
public static class CrafyChallengeServerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the challenge engine: credentials (from the <c>CrafyChallengeServer</c> section plus a development
    /// credential kept under Data Protection, in Development only), flow state on the nonce store, and the endpoints' services.
    /// Map it with <c>app.MapCrafyChallengeServer()</c>. Idempotent.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Adjusts the engine's options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddCrafyChallengeServer(this IServiceCollection services, Action<ChallengeServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ChallengeServerOptions>()
            .Configure<IConfiguration>((o, config) => config.GetSection(ChallengeServerOptions.SectionName).Bind(o))
            .Validate(o => o.PowMaxNumber is >= 100 and <= 10_000_000, "CrafyChallengeServer:PowMaxNumber must be between 100 and 10000000.")
            .Validate(o => o.PowParts is >= 1 and <= 64, "CrafyChallengeServer:PowParts must be between 1 and 64.")
            .Validate(o => o.Credentials.All(c => c.PublicKey.Length > 0 && c.SecretKey.Length > 0 && c.SigningPrivateKey.Length > 0 && c.PublicToken.Length > 0), "Every CrafyChallengeServer credential needs PublicKey, SecretKey, SigningPrivateKey and PublicToken.")
            .Validate(o => o.Credentials.All(c => ApiPlan.Find(c.Plan) is not null), "Every CrafyChallengeServer credential's Plan must be starter, growth or scale.")
            .ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChallengeServerOptions>, ChallengeServerOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChallengeServerOptions>, CrafyCaptcha.Server.Pow.PowOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChallengeServerOptions>, CrafyCaptcha.Server.Risk.ChallengeRiskOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChallengeServerOptions>, CrafyCaptcha.Server.Turnstile.TurnstileOptionsValidator>());
        services.AddMetrics();
        services.AddDataProtection();
        services.AddDistributedMemoryCache();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddChallengeState();
        services.TryAddSingleton<CredentialStore>();
        services.TryAddSingleton<FlowRepository>();
        services.TryAddSingleton<CrafyCaptcha.Server.Risk.AddressLists>();
        services.TryAddSingleton<CrafyCaptcha.Server.Risk.RiskEngine>();
        services.TryAddSingleton<CrafyCaptcha.Server.Puzzles.PuzzleService>();
        if (!services.Any(d => d.ServiceType == typeof(CrafyCaptcha.Server.Turnstile.TurnstileVerifier)))
        {
            services.AddSingleton<CrafyCaptcha.Server.Turnstile.TurnstileVerifier>();
            AddTurnstileClient(services);
        }

        services.TryAddSingleton<CrafyCaptcha.Server.Pow.PowIssuer>();
        services.TryAddSingleton<FlowService>();
        services.TryAddSingleton<PuzzleEndpoints>();
        services.TryAddSingleton<ChallengePageEndpoint>();
        services.TryAddSingleton<VerifyEndpoint>();
        services.TryAddSingleton<SiteKeyEndpoint>();
        services.TryAddSingleton<AuthenticateEndpoint>();
        services.TryAddSingleton<ApiBearer>();
        services.TryAddSingleton<PlanLimiter>();
        services.TryAddSingleton<CheckFlowEndpoint>();
        services.TryAddSingleton<ApiEndpoint>();
        return services;
    }

    /// <summary>
    /// The <c>siteverify</c> client: the standard resilience handler (one retry; safe, the call carries an idempotency
    /// key), each attempt and the whole call bounded by <see cref="ChallengeTurnstileOptions.Timeout"/>.
    /// </summary>
    private static void AddTurnstileClient(IServiceCollection services)
    {
        string pipeline = services.AddHttpClient(CrafyCaptcha.Server.Turnstile.TurnstileVerifier.HttpClientName).AddStandardResilienceHandler().PipelineName;
        services.AddOptions<Microsoft.Extensions.Http.Resilience.HttpStandardResilienceOptions>(pipeline)
            .Configure<IOptions<ChallengeServerOptions>>((o, engine) =>
            {
                TimeSpan total = engine.Value.Turnstile.Timeout;
                o.TotalRequestTimeout.Timeout = total;
                o.AttemptTimeout.Timeout = total / 2;
                o.Retry.MaxRetryAttempts = 1;
                o.Retry.Delay = TimeSpan.FromMilliseconds(100);
                o.Retry.UseJitter = false;
                o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(60);
            });
    }
}
