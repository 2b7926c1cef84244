using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>Adds the captcha filter to every MVC action and Razor Page; it acts only where the endpoint carries the metadata.</summary>
internal sealed class ConfigureMvcFilter : IConfigureOptions<MvcOptions>
{
    public void Configure(MvcOptions options) => options.Filters.AddService<CrafyCaptchaMvcFilter>(-3000);
}
