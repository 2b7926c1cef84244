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

        IConfigurationProvider? keySource = null, aliasSource = null;
        string? keyValue = null, aliasValue = null;
        foreach (IConfigurationProvider provider in root.Providers)
        {
            if (provider.TryGet(key, out string? k) && !string.IsNullOrEmpty(k))
            {
                (keySource, keyValue) = (provider, k);
            }

            if (provider.TryGet(alias, out string? a) && !string.IsNullOrEmpty(a))
            {
                (aliasSource, aliasValue) = (provider, a);
            }
        }

        if (aliasSource is null)
        {
            return null;
        }

        int keyIndex = keySource is null ? -1 : IndexOf(root, keySource);
        int aliasIndex = IndexOf(root, aliasSource);
        bool aliasWins = aliasIndex > keyIndex; // in one source, CrafyCaptcha:X (more specific) wins
        if (logConflicts && keySource is not null && !string.Equals(keyValue, aliasValue, StringComparison.Ordinal))
        {
            LogConflict(logger, aliasWins ? alias : key, aliasWins ? aliasSource.ToString() : keySource.ToString(), aliasWins ? key : alias, aliasWins ? keySource.ToString() : aliasSource.ToString());
        }

        return aliasWins ? aliasValue : null;
    }

    private static int IndexOf(IConfigurationRoot root, IConfigurationProvider provider)
    {
        int i = 0;
        foreach (IConfigurationProvider candidate in root.Providers)
        {
            if (ReferenceEquals(candidate, provider))
            {
                return i;
            }

            i++;
        }

        return -1;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    [LoggerMessage(108, LogLevel.Warning, "CrafyCaptcha configuration: {Winner} from {WinnerSource} overrides {Loser} from {LoserSource}, which has another value (the later configuration source wins, as for every ASP.NET Core setting). Remove one of them.", EventName = "ConfigurationConflict")]
    private static partial void LogConflict(ILogger logger, string winner, string? winnerSource, string loser, string? loserSource);
}

/// <summary>
/// Binds the settings of <see cref="CrafyCaptchaHttpOptions"/> a deployment sets (<c>IframeUrl</c>,
/// <c>WidgetScriptUrl</c>, <c>HeaderName</c>, the options endpoint's limits…) from the <c>CrafyCaptcha</c> section,
/// before the app's own code (<c>AddCrafyCaptcha(o => …)</c>), which wins.
/// </summary>
internal sealed class CrafyCaptchaConfigureHttpOptions(IConfiguration configuration) : IConfigureOptions<CrafyCaptchaHttpOptions>
{
    public void Configure(CrafyCaptchaHttpOptions options) => configuration.GetSection(CrafyCaptchaOptions.SectionName).Bind(options);
}
