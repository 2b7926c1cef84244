using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Internal;

/// <summary>
/// Fills keys still missing after the app's own configuration from the <c>CRAFY_PUBLIC_KEY</c>,
/// <c>CRAFY_SECRET_KEY</c> and <c>CRAFY_SIGNING_PUBLIC_KEY</c> environment variables the product documentation tells
/// users to set, so that the SDK core alone (workers, functions, consoles without a configuration system) reads them too.
/// </summary>
internal sealed class CrafyCaptchaEnvironmentVariables : IPostConfigureOptions<CrafyCaptchaOptions>
{
    internal const string PublicKeyVariable = "CRAFY_PUBLIC_KEY";
    internal const string SecretKeyVariable = "CRAFY_SECRET_KEY";
    internal const string SigningPublicKeyVariable = "CRAFY_SIGNING_PUBLIC_KEY";

    public void PostConfigure(string? name, CrafyCaptchaOptions options)
    {
        options.PublicKey ??= Read(PublicKeyVariable);
        options.SecretKey ??= Read(SecretKeyVariable);
        options.SigningPublicKey ??= Read(SigningPublicKeyVariable);
    }

    private static string? Read(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
