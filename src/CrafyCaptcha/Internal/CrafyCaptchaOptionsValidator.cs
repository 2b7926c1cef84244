using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Internal;

/// <summary>Validates <see cref="CrafyCaptchaOptions"/> at start-up with messages that name the key and where to set it.</summary>
internal sealed class CrafyCaptchaOptionsValidator : IValidateOptions<CrafyCaptchaOptions>
{
    internal const string MissingSecretKeyMessage =
        "CrafyCaptcha:SecretKey is missing. Set it in configuration (CrafyCaptcha:SecretKey) or in the CRAFY_SECRET_KEY environment variable.";

    public ValidateOptionsResult Validate(string? name, CrafyCaptchaOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrEmpty(options.SecretKey))
        {
            failures.Add(MissingSecretKeyMessage);
        }

        if (options.PublicKey is { Length: > 0 } publicKey && !IsPublicKey(publicKey))
        {
            failures.Add("CrafyCaptcha:PublicKey is malformed: expected 'pk_' followed by 32 lowercase hex characters (CRAFY_PUBLIC_KEY).");
        }

        if (options.SigningPublicKey is { Length: > 0 } signingKey && !IsSigningKey(signingKey))
        {
            failures.Add("CrafyCaptcha:SigningPublicKey is malformed: expected the base64 of a raw 32-byte Ed25519 public key (CRAFY_SIGNING_PUBLIC_KEY).");
        }

        if (options.ApiBaseUrl is null || !options.ApiBaseUrl.IsAbsoluteUri || options.ApiBaseUrl.Scheme is not ("https" or "http"))
        {
            failures.Add("CrafyCaptcha:ApiBaseUrl must be an absolute http(s) URL.");
        }

        if (string.IsNullOrEmpty(options.NonceKeyPrefix))
        {
            failures.Add("CrafyCaptcha:NonceKeyPrefix must not be empty (default crafy:nonce:).");
        }

        if (options.FlowLifetime <= TimeSpan.Zero || options.FlowLifetime > TimeSpan.FromDays(1))
        {
            failures.Add("CrafyCaptcha:FlowLifetime must be greater than zero and at most one day.");
        }

        if (options.PublicTokenTimeout < TimeSpan.Zero || options.PublicTokenTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add("CrafyCaptcha:PublicTokenTimeout must be between 0 and 30 seconds.");
        }

        if (options.MaxOutstandingFlows < 1)
        {
            failures.Add("CrafyCaptcha:MaxOutstandingFlows must be at least 1.");
        }

        if (options.MaxTokenLength is < 256 or > 1_048_576)
        {
            failures.Add("CrafyCaptcha:MaxTokenLength must be between 256 and 1048576 characters.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsPublicKey(string value)
        => value.Length == 35 && value.StartsWith("pk_", StringComparison.Ordinal) && value.AsSpan(3).IndexOfAnyExcept("0123456789abcdef") < 0;

    internal static bool IsSigningKey(string value)
    {
        Span<byte> raw = stackalloc byte[48];
        return Convert.TryFromBase64String(value, raw, out int written) && written == 32;
    }
}
