using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>What the web integration needs beyond the SDK core: a public key for the widget, test credentials only in Development.</summary>
internal sealed class CrafyCaptchaWebOptionsValidator(IHostEnvironment environment, IOptions<CrafyCaptchaHttpOptions> httpOptions) : IValidateOptions<CrafyCaptchaOptions>
{
    public ValidateOptionsResult Validate(string? name, CrafyCaptchaOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrEmpty(options.PublicKey))
        {
            failures.Add("CrafyCaptcha:PublicKey is missing. Set it in configuration (CrafyCaptcha:PublicKey) or in the CRAFY_PUBLIC_KEY environment variable.");
        }

        if (CrafyCaptchaTestCredentials.IsTestSecretKey(options.SecretKey) && !environment.IsDevelopment() && !httpOptions.Value.AllowTestCredentials)
        {
            failures.Add($"CrafyCaptcha:SecretKey is a test credential ({options.SecretKey}), which is refused in the '{environment.EnvironmentName}' environment. Use real keys, or set AllowTestCredentials in AddCrafyCaptcha(o => o.AllowTestCredentials = true) for a test deployment.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
