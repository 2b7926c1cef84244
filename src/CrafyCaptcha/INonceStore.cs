namespace CrafyCaptcha;

/// <summary>
/// Where flow nonces wait to be used once. <see cref="TryConsumeAsync"/> must be atomic: of any number of concurrent
/// callers for one nonce, exactly one may succeed. Implementations must honour the lifetime on every consume.
/// </summary>
public interface INonceStore
{
    /// <summary>Stores <paramref name="nonce"/> as unused for <paramref name="lifetime"/>, with an optional context.</summary>
    /// <param name="nonce">64 lowercase hex characters.</param>
    /// <param name="contextJson">The flow's server-side context as JSON text, or <see langword="null"/>.</param>
    /// <param name="lifetime">How long the nonce stays usable.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask StoreAsync(string nonce, string? contextJson, TimeSpan lifetime, CancellationToken cancellationToken = default);

    /// <summary>Atomically removes <paramref name="nonce"/> if it is stored and unexpired, returning its context.</summary>
    /// <param name="nonce">64 lowercase hex characters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether this caller consumed the nonce, and the context stored with it.</returns>
    ValueTask<NonceConsumption> TryConsumeAsync(string nonce, CancellationToken cancellationToken = default);

    /// <summary>Forgets every stored nonce: every outstanding flow becomes unusable.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask ClearAllNoncesAsync(CancellationToken cancellationToken = default);
}
