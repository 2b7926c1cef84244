using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.Internal;

internal sealed class CrafyCaptchaBuilder(IServiceCollection services) : ICrafyCaptchaBuilder
{
    public IServiceCollection Services { get; } = services;
}
