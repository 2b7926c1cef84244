using CrafyCaptcha.Cryptography;

namespace CrafyCaptcha.Protocol;

/// <summary>
/// What the stateless checks of a captcha token found (envelope, signature, payload, status, expiry and sealed nonce,
/// checks 1 to 7 of the protocol), without consuming anything: for diagnostics such as <c>crafy token inspect</c>.
/// A token that passes here is not yet accepted: only <see cref="ICrafyCaptcha.VerifyFlowAsync"/> consumes its nonce.
/// </summary>
internal sealed class CaptchaTokenInspection
{
    private CaptchaTokenInspection(FlowFailure failure, string? nonce, string? payloadJson)
    {
        Failure = failure;
        Nonce = nonce;
        PayloadJson = payloadJson;
    }

    /// <summary>The first check that failed, or <see cref="FlowFailure.None"/> when all seven passed.</summary>
    public FlowFailure Failure { get; }

    /// <summary>The flow's nonce, once it opened with the secret key and was 64 lowercase hex; otherwise <see langword="null"/>.</summary>
    public string? Nonce { get; }

    /// <summary>The signed payload text, once its signature has been checked; <see langword="null"/> before that.</summary>
    public string? PayloadJson { get; }

    /// <summary>Runs the stateless checks on <paramref name="token"/>. Never throws for bad input.</summary>
    /// <param name="token">The captcha token as the widget posted it.</param>
    /// <param name="secretBox">The secret box of the credential's Secret Key.</param>
    /// <param name="now">The time the expiry is checked against.</param>
    /// <returns>What the checks found.</returns>
    public static CaptchaTokenInspection Inspect(string? token, SecretBox secretBox, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(secretBox);
        TokenCheck check = CaptchaTokenReader.Check(token, secretBox, now, int.MaxValue);
        return new CaptchaTokenInspection(check.Failure, check.Nonce, check.PayloadJson);
    }
}
