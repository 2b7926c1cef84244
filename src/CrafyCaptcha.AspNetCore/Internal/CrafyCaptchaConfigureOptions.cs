using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// Binds <see cref="CrafyCaptchaOptions"/> from the <c>CrafyCaptcha</c> section and the <c>CRAFY_PUBLIC_KEY</c>,
/// <c>CRAFY_SECRET_KEY</c> and <c>CRAFY_SIGNING_PUBLIC_KEY</c> names the product documentation tells users to set. A
/// <c>CRAFY_*</c> name counts where its configuration source stands in ASP.NET Core's order, as
/// <c>CrafyCaptcha__SecretKey</c> would: an environment variable overrides <c>appsettings.json</c>, a command-line
/// argument overrides the environment. When both names are set to different values the later source wins and the
/// conflict is logged once (names and sources only, never a value).
/// </summary>
internal sealed partial class CrafyCaptchaConfigureOptions(IConfiguration configuration, ILogger<CrafyCaptchaConfigureOptions> logger) : IConfigureOptions<CrafyCaptchaOptions>
{
    private static readonly (string Alias, string Key, Action<CrafyCaptchaOptions, string> Set)[] Aliases =
    [
        ("CRAFY_PUBLIC_KEY", nameof(CrafyCaptchaOptions.PublicKey), static (o, v) => o.PublicKey = v),
        ("CRAFY_SECRET_KEY", nameof(CrafyCaptchaOptions.SecretKey), static (o, v) => o.SecretKey = v),
        ("CRAFY_SIGNING_PUBLIC_KEY", nameof(CrafyCaptchaOptions.SigningPublicKey), static (o, v) => o.SigningPublicKey = v),
    ];

    private int _conflictsLogged;

    public void Configure(CrafyCaptchaOptions options)
    {
        configuration.GetSection(CrafyCaptchaOptions.SectionName).Bind(options);
        bool logConflicts = Interlocked.Exchange(ref _conflictsLogged, 1) == 0;
        foreach ((string alias, string key, Action<CrafyCaptchaOptions, string> set) in Aliases)
        {
            if (Winner(alias, CrafyCaptchaOptions.SectionName + ":" + key, logConflicts) is { } value)
            {
                set(options, value);
            }
        }
    }

    /// <summary>The value of <paramref name="alias"/> when it stands after <paramref name="key"/> in the configuration order (or alone); else <see langword="null"/> (the bound key stays).</summary>
    private string? Winner(string alias, string key, bool logConflicts)
    {
        if (configuration is not IConfigurationRoot root)
        {
            // A configuration without sources to order (a section handed in by the app): the alias only fills a gap.
            return string.IsNullOrEmpty(configuration[key]) ? NullIfEmpty(configuration[alias]) : null;
        }

        // Every source in order, those inside a chained configuration (AddConfiguration) in their own place.
        List<IConfigurationProvider> sources = [.. InOrder(root)];
        int keyIndex = -1, aliasIndex = -1;
        string? keyValue = null, aliasValue = null;
        for (int i = 0; i < sources.Count; i++)
        {
            if (sources[i].TryGet(key, out string? k) && !string.IsNullOrEmpty(k))
            {
                (keyIndex, keyValue) = (i, k);
            }

            if (sources[i].TryGet(alias, out string? a) && !string.IsNullOrEmpty(a))
            {
                (aliasIndex, aliasValue) = (i, a);
            }
        }

        if (aliasIndex < 0)
        {
            return null;
        }

        bool aliasWins = aliasIndex > keyIndex; // in one source, CrafyCaptcha:X (more specific) wins
        if (logConflicts && keyIndex >= 0 && !string.Equals(keyValue, aliasValue, StringComparison.Ordinal))
        {
            (int winner, int loser) = aliasWins ? (aliasIndex, keyIndex) : (keyIndex, aliasIndex);
            LogConflict(logger, aliasWins ? alias : key, SourceName(sources[winner]), aliasWins ? key : alias, SourceName(sources[loser]));
        }

        return aliasWins ? aliasValue : null;
    }

    private static IEnumerable<IConfigurationProvider> InOrder(IConfigurationRoot root)
    {
        foreach (IConfigurationProvider provider in root.Providers)
        {
            if (provider is ChainedConfigurationProvider { Configuration: IConfigurationRoot chained })
            {
                foreach (IConfigurationProvider inner in InOrder(chained))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return provider;
            }
        }
    }

    /// <summary>A source's name for the log: the built-in providers' own description (a file name, "environment variables"), else the type's name.</summary>
    private static string SourceName(IConfigurationProvider provider)
        => provider.GetType().Namespace?.StartsWith("Microsoft.Extensions.Configuration", StringComparison.Ordinal) == true
            ? provider.ToString() ?? provider.GetType().Name
            : provider.GetType().Name;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    [LoggerMessage(108, LogLevel.Warning, "CrafyCaptcha configuration: {Winner} from {WinnerSource} overrides {Loser} from {LoserSource}, which has another value (the later configuration source wins, as for every ASP.NET Core setting). Remove one of them.", EventName = "ConfigurationConflict")]
    private static partial void LogConflict(ILogger logger, string winner, string winnerSource, string loser, string loserSource);
}

/// <summary>
/// Binds the settings of <see cref="CrafyCaptchaHttpOptions"/> a deployment sets (<c>IframeUrl</c>,
/// <c>WidgetScriptUrl</c>, <c>HeaderName</c>, the options endpoint's limits…) from the <c>CrafyCaptcha</c> section,
/// before the app's own code (<c>AddCrafyCaptcha(o => …)</c>), which wins. <c>AllowTestCredentials</c> is code only.
/// </summary>
internal sealed class CrafyCaptchaConfigureHttpOptions(IConfiguration configuration) : IConfigureOptions<CrafyCaptchaHttpOptions>
{
    public void Configure(CrafyCaptchaHttpOptions options)
    {
        // AllowTestCredentials stays a decision in code: a stray CrafyCaptcha__AllowTestCredentials in an environment file
        // must not turn production's verdicts into fixed ones.
        bool allowTestCredentials = options.AllowTestCredentials;
        configuration.GetSection(CrafyCaptchaOptions.SectionName).Bind(options);
        options.AllowTestCredentials = allowTestCredentials;
    }
}
