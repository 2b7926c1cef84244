namespace CrafyCaptcha.Server.Credentials;

/// <summary>
/// Credentials kept outside configuration (the control panel's database), consulted by <see cref="CredentialStore"/>
/// after the configured ones. An implementation answers from memory (it refreshes its copy in the background and at
/// once after a change made on this instance): these calls are on every request's path.
/// </summary>
internal interface IStoredCredentialSource
{
    /// <summary>The served credential whose Public Token is <paramref name="publicToken"/>, when it is active now.</summary>
    ServedCredential? FindByPublicToken(string publicToken);

    /// <summary>The served credential whose Public Key is <paramref name="publicKey"/>, when it is active now.</summary>
    ServedCredential? FindByPublicKey(string publicKey);
}
