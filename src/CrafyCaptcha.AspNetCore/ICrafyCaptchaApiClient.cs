namespace CrafyCaptcha.AspNetCore;

/// <summary>
/// The CrafyCAPTCHA REST API (<see cref="CrafyCaptchaOptions.ApiBaseUrl"/>: the hosted service or a self-hosted engine)
/// as the official SDKs call it: <c>authenticate</c> for the bearer and the Public Token, and <c>check_flow</c>. The
/// bearer and the Public Token are kept in memory until 60 s before they expire (the Secret Key is only sent, never
/// kept elsewhere); a 401 on a bearer call authenticates again once and retries once; 429 and 5xx answers are retried
/// with exponential backoff that honours <c>Retry-After</c> (the standard resilience handler). Thread-safe; registered
/// by <c>AddCrafyCaptcha</c>.
/// </summary>
public interface ICrafyCaptchaApiClient
{
    /// <summary>The credential's current Public Token (it changes when the plan changes), from the cache or <c>authenticate</c>.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The Public Token to hand to the browser widget.</returns>
    /// <exception cref="HttpRequestException">The API refused the keys, or could not be reached after the retries.</exception>
    ValueTask<string> GetPublicTokenAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Validates a completed flow on the API (<c>check_flow</c>), which consumes it: of any number of calls for one flow
    /// (on any number of servers), exactly one is valid. The alternative to verifying the token locally.
    /// </summary>
    /// <param name="flowToken">The flow's token (the captcha token's <c>flow_token</c>).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Valid with the risk score once; not valid (with the API's message) for a second call, an unknown, expired or unfinished flow.</returns>
    /// <exception cref="HttpRequestException">The API refused the keys, or could not be reached (or kept limiting) after the retries.</exception>
    ValueTask<CrafyCheckFlowResult> CheckFlowAsync(string flowToken, CancellationToken cancellationToken = default);
}

/// <summary>The API's verdict on a flow (<see cref="ICrafyCaptchaApiClient.CheckFlowAsync"/>).</summary>
public sealed class CrafyCheckFlowResult
{
    internal CrafyCheckFlowResult(bool isValid, double? riskScore, string? message)
    {
        IsValid = isValid;
        RiskScore = riskScore;
        Message = message;
    }

    /// <summary>Whether the flow was completed and this call consumed it.</summary>
    public bool IsValid { get; }

    /// <summary>The flow's risk score (0 to 1) when valid.</summary>
    public double? RiskScore { get; }

    /// <summary>The API's message (why it is not valid, or <c>Flow consumed atomically</c>).</summary>
    public string? Message { get; }

    /// <inheritdoc/>
    public override string ToString() => IsValid ? $"valid (risk {RiskScore})" : $"not valid: {Message}";
}
