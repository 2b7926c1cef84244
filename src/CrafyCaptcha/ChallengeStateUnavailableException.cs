namespace CrafyCaptcha;

/// <summary>
/// Thrown by an <see cref="IChallengeStateStore"/> when its backing service cannot be reached or fails. The challenge
/// engine answers 503 (fail closed): no challenge is served and no token is issued without the state that guards them.
/// </summary>
public sealed class ChallengeStateUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChallengeStateUnavailableException()
        : base("The CrafyCaptcha challenge state store is unavailable.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public ChallengeStateUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the store's own error.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The store's error.</param>
    public ChallengeStateUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
