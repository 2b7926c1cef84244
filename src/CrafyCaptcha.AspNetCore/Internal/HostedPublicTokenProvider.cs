using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// The credential's Public Token for the widget, from the hosted API's <c>authenticate</c> call (outbound HTTP
/// through <see cref="IHttpClientFactory"/> with the standard resilience handler), cached until 60 seconds before
/// it expires; a failure is remembered for 30 seconds. One refresh at a time; concurrent callers share it.
/// </summary>
internal sealed partial class HostedPublicTokenProvider(
    IHttpClientFactory httpClientFactory,
    IOptions<CrafyCaptchaOptions> options,
    TimeProvider timeProvider,
    ILogger<HostedPublicTokenProvider> logger) : ICrafyPublicTokenProvider, IDisposable
{
    public const string HttpClientName = "CrafyCaptcha.Api";
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile CachedToken? _cached;

    public async ValueTask<string?> GetPublicTokenAsync(CancellationToken cancellationToken)
    {
        CrafyCaptchaOptions o = options.Value;
        if (CrafyCaptchaTestCredentials.IsTestSecretKey(o.SecretKey))
        {
            return CrafyCaptchaTestCredentials.PublicToken;
        }

        if (_cached is { } cached && timeProvider.GetUtcNow() < cached.RefreshAt)
        {
            return cached.Token;
        }

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is { } fresh && timeProvider.GetUtcNow() < fresh.RefreshAt)
            {
                return fresh.Token;
            }

            // A failure is remembered for a while, so pages do not each wait for a dead API's retries.
            _cached = await AuthenticateAsync(o, cancellationToken).ConfigureAwait(false)
                ?? new CachedToken(null, timeProvider.GetUtcNow() + FailureBackoff);
            return _cached.Token;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private async Task<CachedToken?> AuthenticateAsync(CrafyCaptchaOptions o, CancellationToken cancellationToken)
    {
        HttpClient client = httpClientFactory.CreateClient(HttpClientName);
        var uri = new Uri(o.ApiBaseUrl.ToString().TrimEnd('/') + "/?action=authenticate");
        try
        {
            using HttpResponseMessage response = await client.PostAsJsonAsync(uri, new AuthenticateRequest(o.PublicKey!, o.SecretKey!), ApiJsonContext.Default.AuthenticateRequest, cancellationToken).ConfigureAwait(false);
            ApiEnvelope? envelope = await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.ApiEnvelope, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode || envelope is not { Status: "success", Data.PublicToken: { Length: > 0 } token })
            {
                LogAuthenticateFailed(logger, (int)response.StatusCode, envelope?.Message ?? "no message");
                return null;
            }

            TimeSpan lifetime = TimeSpan.FromSeconds(Math.Max(envelope.Data.ExpiresIn, 0));
            return new CachedToken(token, timeProvider.GetUtcNow() + (lifetime > RefreshMargin ? lifetime - RefreshMargin : TimeSpan.Zero));
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException or NotSupportedException)
        {
            LogAuthenticateError(logger, ex);
            return null;
        }
    }

    public void Dispose() => _refresh.Dispose();

    [LoggerMessage(120, LogLevel.Warning, "CrafyCAPTCHA authenticate failed with HTTP {StatusCode}: {Message}.", EventName = "AuthenticateFailed")]
    private static partial void LogAuthenticateFailed(ILogger logger, int statusCode, string message);

    [LoggerMessage(121, LogLevel.Warning, "CrafyCAPTCHA authenticate could not reach the API.", EventName = "AuthenticateError")]
    private static partial void LogAuthenticateError(ILogger logger, Exception exception);

    private sealed record CachedToken(string? Token, DateTimeOffset RefreshAt);
}

internal sealed record AuthenticateRequest(
    [property: JsonPropertyName("public_key")] string PublicKey,
    [property: JsonPropertyName("secret_key")] string SecretKey);

internal sealed record ApiEnvelope(
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("data")] AuthenticateData? Data);

internal sealed record AuthenticateData(
    [property: JsonPropertyName("token")] string? Token,
    [property: JsonPropertyName("public_token")] string? PublicToken,
    [property: JsonPropertyName("expires_in")] long ExpiresIn);

[JsonSerializable(typeof(AuthenticateRequest))]
[JsonSerializable(typeof(ApiEnvelope))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
