namespace CrafyCaptcha.AspNetCore.Components;

/// <summary>A token's verification as a component sees it: passed, or failed with a stable error code and the person's message.</summary>
public sealed class CrafyCaptchaVerificationResult
{
    /// <summary><see langword="true"/> when the token passed.</summary>
    public required bool IsValid { get; init; }

    /// <summary>The stable error code on failure (<c>captcha_missing</c>, <c>captcha_invalid</c>, …), else <see langword="null"/>.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The person's message on failure (localised), else <see langword="null"/>.</summary>
    public string? Message { get; init; }
}
