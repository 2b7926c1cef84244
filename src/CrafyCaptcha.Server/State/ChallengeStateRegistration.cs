using CrafyCaptcha.Server;
using CrafyCaptcha.Server.State;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the engine's default state store.</summary>
internal static class ChallengeStateRegistration
{
    /// <summary>
    /// Registers the in-memory <see cref="IChallengeStateStore"/> and its options (section
    /// <c>CrafyChallengeServer:State</c>, validated at start-up), unless a state store (Redis) is registered already.
    /// </summary>
    public static IServiceCollection TryAddInMemoryChallengeState(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(IChallengeStateStore)))
        {
            return services;
        }

        services.AddOptions<ChallengeStateOptions>()
            .Configure<IConfiguration>((o, config) => config.GetSection(ChallengeStateOptions.SectionName).Bind(o))
            .Validate(o => o.MaxEntries is >= 1_000 and <= 50_000_000, "CrafyChallengeServer:State:MaxEntries must be between 1000 and 50000000.")
            .ValidateOnStart();
        services.AddSingleton<IChallengeStateStore, InMemoryChallengeStateStore>();
        return services;
    }
}
