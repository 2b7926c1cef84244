using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Internal;

/// <summary>What to tell someone who starts the engine outside Development without keys.</summary>
internal static class StartupRules
{
    public const string EngineCredentialKeys =
        "CrafyChallengeServer:Credentials:0:PublicKey, :SecretKey, :SigningPrivateKey and :PublicToken "
        + "(as environment variables CrafyChallengeServer__Credentials__0__PublicKey and so on)";

    public const string CreateKeys = "Create a credential with `crafy keys new`";
}

/// <summary>
/// A standalone engine (not embedded in an SDK app) outside Development must be given at least one credential: the
/// development credential is only made in Development. A registered <see cref="IChallengeCredentialSource"/> (the control
/// panel) counts as one.
/// </summary>
internal sealed class ChallengeServerOptionsValidator(IHostEnvironment environment, IEnumerable<IChallengeCredentialSource> sources) : IValidateOptions<ChallengeServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ChallengeServerOptions options)
        => environment.IsDevelopment() || options.Embedded || sources.Any() || options.Credentials.Count > 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"The CrafyCaptcha challenge engine has no credential to serve in the '{environment.EnvironmentName}' environment: its development credential is made only in Development. "
                + $"{StartupRules.CreateKeys} and set {StartupRules.EngineCredentialKeys}.");
}

/// <summary>
/// The embedded engine fills the SDK's keys from its development credential only in Development; elsewhere an app with no
/// keys fails at start-up with this message (beside the SDK's own "SecretKey is missing").
/// </summary>
internal sealed class EmbeddedKeysValidator(IHostEnvironment environment) : IValidateOptions<CrafyCaptchaOptions>
{
    public ValidateOptionsResult Validate(string? name, CrafyCaptchaOptions options)
        => environment.IsDevelopment() || !string.IsNullOrEmpty(options.SecretKey)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"The embedded CrafyCaptcha challenge engine makes its development credential only in the Development environment, and this app runs in '{environment.EnvironmentName}' with no keys. "
                + $"{StartupRules.CreateKeys}; give the SDK its keys with CrafyCaptcha:PublicKey, CrafyCaptcha:SecretKey and CrafyCaptcha:SigningPublicKey "
                + "(or the CRAFY_PUBLIC_KEY, CRAFY_SECRET_KEY and CRAFY_SIGNING_PUBLIC_KEY environment variables), "
                + $"and serve the same credential from the engine with {StartupRules.EngineCredentialKeys}.");
}
