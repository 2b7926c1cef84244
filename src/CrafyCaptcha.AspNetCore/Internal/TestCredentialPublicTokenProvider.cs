namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>The public token of the test credentials (<see cref="CrafyCaptchaTestCredentials"/>): no API call.</summary>
internal sealed class TestCredentialPublicTokenProvider : ICrafyPublicTokenProvider
{
    public ValueTask<string?> GetPublicTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(CrafyCaptchaTestCredentials.PublicToken);
}
