namespace CrafyCaptcha.AspNetCore;

/// <summary>
/// Documented credential sets for testing your own forms and CI without solving anything, like Turnstile's test
/// keys. With a test secret key any non-empty token gets the set's verdict (a missing token is still missing).
/// They are refused outside the Development environment unless <see cref="CrafyCaptchaHttpOptions.AllowTestCredentials"/> is set.
/// </summary>
public static class CrafyCaptchaTestCredentials
{
    /// <summary>The public key of every test set.</summary>
    public const string PublicKey = "pk_00000000000000000000000000000000";

    /// <summary>The public token the tag helper renders with a test set.</summary>
    public const string PublicToken = "pt_test";

    /// <summary>The signing public key of every test set (32 zero bytes).</summary>
    public const string SigningPublicKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    /// <summary>Every token passes.</summary>
    public const string AlwaysPassesSecretKey = "sk_test_always_passes";

    /// <summary>Every token fails as forged (<c>captcha_invalid</c>).</summary>
    public const string AlwaysFailsSecretKey = "sk_test_always_fails";

    /// <summary>Every token fails as already spent (<c>captcha_replayed</c>).</summary>
    public const string AlwaysSpentSecretKey = "sk_test_always_spent";

    /// <summary>Every flow asks for a puzzle (<c>mode: puzzle</c>); every token passes.</summary>
    public const string ForcesPuzzleSecretKey = "sk_test_forces_puzzle";

    /// <summary>Whether <paramref name="secretKey"/> is one of the test secret keys.</summary>
    /// <param name="secretKey">A configured secret key.</param>
    /// <returns><see langword="true"/> for a test key.</returns>
    public static bool IsTestSecretKey(string? secretKey)
        => secretKey is AlwaysPassesSecretKey or AlwaysFailsSecretKey or AlwaysSpentSecretKey or ForcesPuzzleSecretKey;
}
