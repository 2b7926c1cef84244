namespace CrafyCaptcha.Server;

/// <summary>One credential the challenge engine serves: the keys a site holds plus the engine's own signing key.</summary>
public sealed class ChallengeCredential
{
    /// <summary><c>pk_</c> + 32 lowercase hex.</summary>
    public string PublicKey { get; set; } = string.Empty;

    /// <summary>The Secret Key shared with the site's backend (seals nonces, signs tokens).</summary>
    public string SecretKey { get; set; } = string.Empty;

    /// <summary>Base64 of the raw 32-byte Ed25519 private key (seed) that signs the iframe's messages.</summary>
    public string SigningPrivateKey { get; set; } = string.Empty;

    /// <summary>The opaque Public Token the widget sends as <c>pt</c>; names the credential and its plan.</summary>
    public string PublicToken { get; set; } = string.Empty;

    /// <summary>
    /// The plan (<c>starter</c>, the default, <c>growth</c> or <c>scale</c>, any case): the limits of the REST API's
    /// bearer-protected calls (Starter 8/min and 2/s, Growth 150/min and 20/s, Scale 500/min and 50/s). The bearer
    /// token carries the plan it was issued with, so a change takes effect when the client authenticates again.
    /// </summary>
    public string Plan { get; set; } = "starter";

    /// <summary>Host names allowed to embed the challenge (<c>localhost</c> is always allowed). Subdomains must be listed.</summary>
    public IList<string> Domains { get; } = [];

    /// <summary>The credential's Cloudflare Turnstile keys; empty (the default) for no Turnstile.</summary>
    public ChallengeTurnstileKeys Turnstile { get; } = new();
}
