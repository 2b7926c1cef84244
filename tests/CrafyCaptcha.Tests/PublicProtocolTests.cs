using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Protocol;

namespace CrafyCaptcha.Tests;

/// <summary>The protocol types other packages use through public API (the engine, the CLI, the ASP.NET Core integration).</summary>
public sealed class PublicProtocolTests
{
    private const string Secret = "sk_5526a47fc8b0eae583e42f4219e53e5fa96ed80cc4c1b7246e548e402b7a81b9";

    [Fact]
    public void A_failed_verification_cannot_say_none()
    {
        Assert.Throws<ArgumentException>(() => FlowVerification.Failed(FlowFailure.None));
        Assert.False(FlowVerification.Failed(FlowFailure.BadSignature).IsValid);
        Assert.True(FlowVerification.Success(0.1, null, DateTimeOffset.MaxValue, "{}").IsValid);
    }

    [Fact]
    public void Inspection_of_a_token_signed_with_another_key_stops_at_the_signature()
    {
        using var box = new SecretBox(Secret);
        string token = TokenMinter.Token("sk_" + new string('1', 64), TokenMinter.NewNonce(), DateTimeOffset.UtcNow.AddMinutes(5));

        CaptchaTokenInspection inspection = CaptchaTokenInspection.Inspect(token, box, DateTimeOffset.UtcNow);

        Assert.Equal(FlowFailure.BadSignature, inspection.Failure);
        Assert.Null(inspection.Nonce);
        Assert.Null(inspection.PayloadJson);
    }

    [Fact]
    public void Inspection_of_a_good_token_reads_its_nonce_and_consumes_nothing()
    {
        using var box = new SecretBox(Secret);
        string nonce = TokenMinter.NewNonce();
        string token = TokenMinter.Token(Secret, nonce, DateTimeOffset.UtcNow.AddMinutes(5));

        CaptchaTokenInspection first = CaptchaTokenInspection.Inspect(token, box, DateTimeOffset.UtcNow);
        CaptchaTokenInspection second = CaptchaTokenInspection.Inspect(token, box, DateTimeOffset.UtcNow);

        Assert.Equal(FlowFailure.None, first.Failure);
        Assert.Equal(nonce, first.Nonce);
        Assert.NotNull(first.PayloadJson);
        Assert.Equal(FlowFailure.None, second.Failure);
    }
}
