namespace CrafyCaptcha.Server;

/// <summary>
/// Credentials kept outside configuration (for example the control panel's database), consulted by the engine after the
/// configured ones. An implementation answers from memory (it refreshes its copy in the background and at once after a
/// change made on this instance): these calls are on every challenge request's path. It returns the same instance while
/// a credential is unchanged (the engine derives its keys once per instance) and <see langword="null"/> for a credential
/// that is unknown, disabled or retired.
/// </summary>
public interface IChallengeCredentialSource
{
    /// <summary>The active credential whose Public Token is <paramref name="publicToken"/>.</summary>
    /// <param name="publicToken">The <c>pt</c> the widget sent.</param>
    /// <returns>The credential, or <see langword="null"/>.</returns>
    ChallengeCredential? FindByPublicToken(string publicToken);

    /// <summary>The active credential whose Public Key is <paramref name="publicKey"/>.</summary>
    /// <param name="publicKey">A <c>pk_</c> key.</param>
    /// <returns>The credential, or <see langword="null"/>.</returns>
    ChallengeCredential? FindByPublicKey(string publicKey);
}
