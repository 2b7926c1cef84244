namespace CrafyCaptcha;

/// <summary>
/// Thrown by an <see cref="INonceStore"/> when its backing service cannot be reached. Verification turns it into
/// <see cref="FlowFailure.StoreUnavailable"/> (fail closed); flow creation lets it propagate.
/// </summary>
public sealed class NonceStoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonceStoreUnavailableException()
        : base("The CrafyCaptcha nonce store is unavailable.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public NonceStoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the store's own error.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The store's error.</param>
    public NonceStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
