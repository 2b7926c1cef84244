namespace CrafyCaptcha;

/// <summary>The result of <see cref="INonceStore.TryConsumeAsync"/>.</summary>
/// <param name="Consumed"><see langword="true"/> when this caller removed an unexpired nonce.</param>
/// <param name="ContextJson">The context stored with the nonce, when there was one.</param>
public readonly record struct NonceConsumption(bool Consumed, string? ContextJson)
{
    /// <summary>The nonce was unknown, expired or already consumed.</summary>
    public static NonceConsumption NotFound => default;
}
