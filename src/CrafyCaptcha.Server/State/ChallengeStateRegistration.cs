using CrafyCaptcha.Server;
using CrafyCaptcha.Server.Internal;
using CrafyCaptcha.Server.State;
using CrafyCaptcha.StackExchangeRedis;
using CrafyCaptcha.StackExchangeRedis.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the engine's default state store.</summary>
internal static class ChallengeStateRegistration
{
    /// <summary>
    /// Registers the engine's <see cref="IChallengeStateStore"/> and its options (section
    /// <c>CrafyChallengeServer:State</c>, validated at start-up), unless a state store (<c>AddRedisNonceStore</c>) is
    /// registered already: on Redis when <see cref="ChallengeStateOptions.Redis"/> is set, else in memory. The store in
    /// use is logged once, when it is first needed.
    /// </summary>
    public static IServiceCollection TryAddChallengeState(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(IChallengeStateStore)))
        {
            return services;
        }

        services.AddOptions<ChallengeStateOptions>()
            .Configure<IConfiguration>((o, config) => config.GetSection(ChallengeStateOptions.SectionName).Bind(o))
            .Validate(o => o.MaxEntries is >= 1_000 and <= 50_000_000, "CrafyChallengeServer:State:MaxEntries must be between 1000 and 50000000.")
            .Validate(o => !string.IsNullOrEmpty(o.RedisKeyPrefix), "CrafyChallengeServer:State:RedisKeyPrefix must not be empty.")
            .ValidateOnStart();
        services.AddSingleton(static sp => new RedisConnection(sp, Microsoft.Extensions.Options.Options.Create(new RedisNonceStoreOptions
        {
            Configuration = sp.GetRequiredService<IOptions<ChallengeStateOptions>>().Value.Redis,
        })));
        services.AddSingleton<IChallengeStateStore>(static sp =>
        {
            ChallengeStateOptions options = sp.GetRequiredService<IOptions<ChallengeStateOptions>>().Value;
            ILogger logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("CrafyCaptcha.Server.State");
            if (string.IsNullOrEmpty(options.Redis))
            {
                Log.ChallengeStateInUse(logger, $"in memory, at most {options.MaxEntries} entries (one engine instance; set CrafyChallengeServer:State:Redis for several)");
                return ActivatorUtilities.CreateInstance<InMemoryChallengeStateStore>(sp);
            }

            Log.ChallengeStateInUse(logger, $"on Redis (CrafyChallengeServer:State:Redis) under the prefix '{options.RedisKeyPrefix}'");
            return new RedisChallengeStateStore(sp.GetRequiredService<RedisConnection>(), options.RedisKeyPrefix, sp.GetRequiredService<ILogger<RedisChallengeStateStore>>());
        });
        return services;
    }
}
