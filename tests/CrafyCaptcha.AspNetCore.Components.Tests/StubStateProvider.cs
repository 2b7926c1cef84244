namespace CrafyCaptcha.AspNetCore.Components.Tests;

/// <summary>A host for the component under bUnit: fixed settings and verdicts, and what the component asked.</summary>
internal sealed class StubStateProvider : CrafyCaptchaStateProvider
{
    public string? PublicToken { get; set; } = "pt_public";

    public CrafyCaptchaVerificationResult? RequestVerification { get; set; }

    public CrafyCaptchaVerificationResult VerifyResult { get; set; } = new() { IsValid = true };

    public List<(string? Policy, string? Token)> Verified { get; } = [];

    public override ValueTask<CrafyCaptchaWidgetSettings> GetWidgetSettingsAsync(string? policyName, CancellationToken cancellationToken)
        => ValueTask.FromResult(new CrafyCaptchaWidgetSettings
        {
            PolicyName = policyName ?? "default",
            PublicKey = "pk_public",
            PublicToken = PublicToken,
            SigningPublicKey = "c2lnbmluZw==",
            InputName = "CrafyCAPTCHA_token",
            OptionsUrl = "/crafy-options",
            IframeUrl = "/crafy/challenge/",
            ScriptUrl = "/_content/CrafyCaptcha.AspNetCore/crafy-captcha.js",
            TurnstileBridgeUrl = "/_content/CrafyCaptcha.AspNetCore/crafy-captcha-turnstile.min.js",
            MissingTokenMessage = "Please complete the captcha before sending the form.",
        });

    /// <summary>The page eos handed out, in order (each call a new one, as each static render is a new request).</summary>
    public List<string?> PageEos { get; } = [];

    public override ValueTask<string?> GetPageEncryptedOptionsAsync(string? policyName, CancellationToken cancellationToken)
    {
        string eo = $"eo_page_{policyName}_{PageEos.Count + 1}";
        PageEos.Add(eo);
        return ValueTask.FromResult<string?>(eo);
    }

    public override CrafyCaptchaVerificationResult? GetRequestVerification(string? policyName) => RequestVerification;

    public override ValueTask<CrafyCaptchaVerificationResult> VerifyAsync(string? policyName, string? token, CancellationToken cancellationToken)
    {
        Verified.Add((policyName, token));
        return ValueTask.FromResult(VerifyResult);
    }
}
