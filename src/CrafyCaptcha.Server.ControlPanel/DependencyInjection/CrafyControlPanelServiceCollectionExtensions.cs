using CrafyCaptcha.Server;
using CrafyCaptcha.Server.ControlPanel;
using CrafyCaptcha.Server.ControlPanel.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the challenge engine's control panel.</summary>
public static class CrafyControlPanelServiceCollectionExtensions
{
    /// <summary>
    /// Adds the control panel: credentials kept in a database (SQLite by default, PostgreSQL for several instances;
    /// schema created on first run), served by the engine beside the configured ones, secrets under Data Protection.
    /// Options bind to <c>CrafyChallengeServer:ControlPanel</c>. Also adds the engine (<c>AddCrafyChallengeServer</c>).
    /// Map the admin pages with <c>app.MapCrafyControlPanel("/crafy/admin")</c>.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Adjusts the panel's options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddCrafyControlPanel(this IServiceCollection services, Action<ControlPanelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddCrafyChallengeServer();
        services.AddOptions<ControlPanelOptions>()
            .Configure<IConfiguration>((o, config) => config.GetSection(ControlPanelOptions.SectionName).Bind(o))
            .PostConfigure<IHostEnvironment>((o, environment) =>
            {
                if (o.Database == ControlPanelDatabase.Sqlite && string.IsNullOrWhiteSpace(o.ConnectionString))
                {
                    o.ConnectionString = "Data Source=" + Path.Combine(environment.ContentRootPath, ".crafy", "control-panel.db");
                }
            })
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), "CrafyChallengeServer:ControlPanel:ConnectionString is required for PostgreSql.")
            .Validate(o => o.RefreshInterval >= TimeSpan.FromSeconds(1), "CrafyChallengeServer:ControlPanel:RefreshInterval must be at least 1 second.")
            .Validate(o => o.RotationGracePeriod >= TimeSpan.Zero, "CrafyChallengeServer:ControlPanel:RotationGracePeriod must not be negative.")
            .Validate(o => o.AuthorizationPolicy is null || o.AuthorizationPolicy.Trim().Length > 0, "CrafyChallengeServer:ControlPanel:AuthorizationPolicy must not be blank.")
            .ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddAntiforgery();
        services.TryAddSingleton(sp =>
        {
            ControlPanelOptions o = sp.GetRequiredService<IOptions<ControlPanelOptions>>().Value;
            return new ControlPanelDatabaseServices(o.Database, o.ConnectionString!, o.ConfigureDataProtection);
        });
        services.TryAddSingleton<CredentialRepository>();
        services.TryAddSingleton<CrafyCaptcha.Server.ControlPanel.Pages.ControlPanelPages>();
        services.TryAddSingleton<StoredCredentialSource>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChallengeCredentialSource, StoredCredentialSource>(sp => sp.GetRequiredService<StoredCredentialSource>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StoredCredentialSource>(sp => sp.GetRequiredService<StoredCredentialSource>()));
        services.TryAddSingleton<UsageRecorder>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChallengeUsageSink, UsageRecorder>(sp => sp.GetRequiredService<UsageRecorder>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, UsageRecorder>(sp => sp.GetRequiredService<UsageRecorder>()));
        return services;
    }
}
