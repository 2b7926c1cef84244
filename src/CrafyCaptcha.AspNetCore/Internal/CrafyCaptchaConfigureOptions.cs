using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// Binds <see cref="CrafyCaptchaOptions"/> from the <c>CrafyCaptcha</c> section, then fills keys still missing from
/// the <c>CRAFY_PUBLIC_KEY</c>, <c>CRAFY_SECRET_KEY</c> and <c>CRAFY_SIGNING_PUBLIC_KEY</c> variables the product
/// documentation tells users to set (environment variables, or any configuration source with those names).
/// </summary>
internal sealed class CrafyCaptchaConfigureOptions(IConfiguration configuration) : IConfigureOptions<CrafyCaptchaOptions>
{
    public void Configure(CrafyCaptchaOptions options)
    {
        configuration.GetSection(CrafyCaptchaOptions.SectionName).Bind(options);
        options.PublicKey ??= NullIfEmpty(configuration["CRAFY_PUBLIC_KEY"]);
        options.SecretKey ??= NullIfEmpty(configuration["CRAFY_SECRET_KEY"]);
        options.SigningPublicKey ??= NullIfEmpty(configuration["CRAFY_SIGNING_PUBLIC_KEY"]);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
