namespace CrafyCaptcha.AspNetCore;

/// <summary>
/// Supplies the credential's Public Token that the widget sends to the challenge server. The default asks the hosted
/// API (<c>authenticate</c>) and caches it; the embedded challenge engine supplies its own.
/// </summary>
public interface ICrafyPublicTokenProvider
{
    /// <summary>The current Public Token, or <see langword="null"/> when it cannot be had right now.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The token.</returns>
    ValueTask<string?> GetPublicTokenAsync(CancellationToken cancellationToken);
}
