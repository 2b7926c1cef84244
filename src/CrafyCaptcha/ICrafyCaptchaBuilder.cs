using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha;

/// <summary>Configures CrafyCaptcha after it has been added to a service collection (stores, policies, the engine).</summary>
public interface ICrafyCaptchaBuilder
{
    /// <summary>The service collection CrafyCaptcha was added to.</summary>
    IServiceCollection Services { get; }
}
