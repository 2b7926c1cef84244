using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// The credential's Public Token for the widget, from the hosted API's <c>authenticate</c> call (outbound HTTP through
/// <see cref="IHttpClientFactory"/> with the standard resilience handler). Built so that the API's trouble can never
/// take a page down:
/// <list type="bullet">
/// <item>a page waits at most <see cref="CrafyCaptchaOptions.PublicTokenTimeout"/> for a refresh, counted from the
/// refresh's start (callers that arrive during a slow refresh wait only for what is left of it); the refresh goes on in
/// the background and fills the cache for later pages;</item>
/// <item>a known token is served while it is refreshed in the background (stale-while-revalidate) until it expires;</item>
/// <item>every failure of the HTTP pipeline (timeouts, rejections, 429, 5xx, DNS, TLS, a bad body) is caught, logged
/// once per attempt and remembered: no new attempt before an exponential backoff (5 s doubling to 5 minutes) or the
/// API's <c>Retry-After</c>, whichever is later. Meanwhile pages render at once without a token and the widget shows
/// its error state.</item>
/// </list>
/// </summary>
internal sealed partial class HostedPublicTokenProvider(
    IHttpClientFactory httpClientFactory,
    IOptions<CrafyCaptchaOptions> options,
    TimeProvider timeProvider,
    ILogger<HostedPublicTokenProvider> logger) : ICrafyPublicTokenProvider, IDisposable
{
    public const string HttpClientName = "CrafyCaptcha.Api";
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private CachedToken? _token;
    private DateTimeOffset _nextAttemptAt = DateTimeOffset.MinValue;
    private int _consecutiveFailures;
    private Task? _refresh;
    private DateTimeOffset _refreshStartedAt;
    private int _disposed;

    public async ValueTask<string?> GetPublicTokenAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = timeProvider.GetUtcNow();
        CachedToken? token = Volatile.Read(ref _token);
        if (token is not null && now < token.RefreshAt)
        {
            return token.Token;
        }

        Task refresh;
        DateTimeOffset waitUntil;
        lock (_gate)
        {
            token = _token;
            if (_refresh is null)
            {
                if (now < _nextAttemptAt)
                {
                    // Remembered failure: no attempt, no wait; a still-valid token is served until it expires.
                    return Usable(token, now);
                }

                _refreshStartedAt = now;
                _refresh = Task.Run(RefreshAsync, CancellationToken.None);
            }

            refresh = _refresh;
            waitUntil = _refreshStartedAt + options.Value.PublicTokenTimeout;
        }

        if (Usable(token, now) is { } stale)
        {
            return stale; // stale-while-revalidate: the refresh above runs in the background
        }

        TimeSpan wait = waitUntil - now;
        if (wait > TimeSpan.Zero && !refresh.IsCompleted)
        {
            try
            {
                await refresh.WaitAsync(wait, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                LogPublicTokenWaitExceeded(logger, options.Value.PublicTokenTimeout.TotalMilliseconds);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The page's request was aborted; the refresh goes on for the next one.
            }
        }

        return Usable(Volatile.Read(ref _token), timeProvider.GetUtcNow());
    }

    private static string? Usable(CachedToken? token, DateTimeOffset now) => token is not null && now < token.ExpiresAt ? token.Token : null;

    private async Task RefreshAsync()
    {
        Failure? failure;
        try
        {
            failure = await AuthenticateAsync(options.Value, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // Every failure of the HTTP pipeline is remembered, never thrown to a page.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogAuthenticateError(logger, ex.GetType().Name, ex);
            failure = new Failure(null);
        }
        finally
        {
            lock (_gate)
            {
                _refresh = null;
            }
        }

        lock (_gate)
        {
            if (failure is null)
            {
                _consecutiveFailures = 0;
                _nextAttemptAt = DateTimeOffset.MinValue;
                return;
            }

            // Exponential backoff from 5 s, or the API's Retry-After when that is later.
            int exponent = Math.Min(_consecutiveFailures++, 10);
            TimeSpan backoff = TimeSpan.FromTicks(Math.Min(FirstBackoff.Ticks << exponent, MaxBackoff.Ticks));
            if (failure.RetryAfter is { } retryAfter && retryAfter > backoff)
            {
                backoff = retryAfter < MaxRetryAfter ? retryAfter : MaxRetryAfter;
            }

            _nextAttemptAt = timeProvider.GetUtcNow() + backoff;
            LogBackingOff(logger, backoff.TotalSeconds);
        }
    }

    /// <summary>Calls <c>authenticate</c>; <see langword="null"/> when a token was cached, else what went wrong.</summary>
    private async Task<Failure?> AuthenticateAsync(CrafyCaptchaOptions o, CancellationToken cancellationToken)
    {
        HttpClient client = httpClientFactory.CreateClient(HttpClientName);
        var uri = new Uri(o.ApiBaseUrl.ToString().TrimEnd('/') + "/?action=authenticate");
        using HttpResponseMessage response = await client.PostAsJsonAsync(uri, new AuthenticateRequest(o.PublicKey!, o.SecretKey!), ApiJsonContext.Default.AuthenticateRequest, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            LogAuthenticateFailed(logger, (int)response.StatusCode);
            return new Failure(RetryAfterOf(response));
        }

        ApiEnvelope? envelope = await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.ApiEnvelope, cancellationToken).ConfigureAwait(false);
        if (envelope is not { Status: "success", Data.PublicToken: { Length: > 0 } token })
        {
            LogAuthenticateFailed(logger, (int)response.StatusCode);
            return new Failure(null);
        }

        DateTimeOffset now = timeProvider.GetUtcNow();
        TimeSpan lifetime = TimeSpan.FromSeconds(Math.Clamp(envelope.Data.ExpiresIn, 0, 366L * 24 * 3600));
        TimeSpan fresh = lifetime > RefreshMargin ? lifetime - RefreshMargin : lifetime / 2;
        Volatile.Write(ref _token, new CachedToken(token, now + fresh, now + lifetime));
        return null;
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) || response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        return retryAfter.Delta ?? (retryAfter.Date is { } date ? date - timeProvider.GetUtcNow() : null);
    }

    public void Dispose()
    {
        // Registered as itself and behind ICrafyPublicTokenProvider: the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Cancel();
            _stopping.Dispose();
        }
    }

    [LoggerMessage(120, LogLevel.Warning, "CrafyCAPTCHA authenticate failed with HTTP {StatusCode}; widgets render without a public token until it succeeds.", EventName = "AuthenticateFailed")]
    private static partial void LogAuthenticateFailed(ILogger logger, int statusCode);

    [LoggerMessage(121, LogLevel.Warning, "CrafyCAPTCHA authenticate could not reach the API ({ErrorType}); widgets render without a public token until it succeeds.", EventName = "AuthenticateError")]
    private static partial void LogAuthenticateError(ILogger logger, string errorType, Exception exception);

    [LoggerMessage(122, LogLevel.Information, "CrafyCAPTCHA authenticate will be tried again in {Seconds} s.", EventName = "AuthenticateBackoff")]
    private static partial void LogBackingOff(ILogger logger, double seconds);

    [LoggerMessage(123, LogLevel.Debug, "A page rendered without a public token: the API did not answer within {Milliseconds} ms (the refresh goes on in the background).", EventName = "PublicTokenWaitExceeded")]
    private static partial void LogPublicTokenWaitExceeded(ILogger logger, double milliseconds);

    private sealed record CachedToken(string Token, DateTimeOffset RefreshAt, DateTimeOffset ExpiresAt);

    private sealed record Failure(TimeSpan? RetryAfter);
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
