using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// <see cref="ICrafyCaptchaApiClient"/> over the named <see cref="HttpClientName"/> client (standard resilience handler:
/// 10 s per attempt, 3 retries from 500 ms doubling, <c>Retry-After</c> honoured). One authentication at a time per
/// process; the session (bearer and Public Token, never the Secret Key) lives in memory and, when the app registered an
/// <see cref="IDistributedCache"/> (Redis, SQL Server…), there too, so the instances of a farm share one bearer instead
/// of each authenticating (the API limits <c>authenticate</c> per address). Both are used until
/// <see cref="RefreshMargin"/> before the bearer expires; a refused bearer is removed from both.
/// </summary>
internal sealed partial class CrafyCaptchaApiClient(
    IHttpClientFactory httpClientFactory,
    IOptions<CrafyCaptchaOptions> options,
    TimeProvider timeProvider,
    ILogger<CrafyCaptchaApiClient> logger,
    IDistributedCache? distributedCache = null) : ICrafyCaptchaApiClient, IDisposable
{
    public const string HttpClientName = "CrafyCaptcha.ApiClient";
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(60);
    private readonly SemaphoreSlim _authenticating = new(1, 1);
    private Session? _session;

    public async ValueTask<string> GetPublicTokenAsync(CancellationToken cancellationToken = default)
        => (await GetSessionAsync(null, cancellationToken).ConfigureAwait(false)).PublicToken;

    public async ValueTask<CrafyCheckFlowResult> CheckFlowAsync(string flowToken, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(flowToken);
        Session session = await GetSessionAsync(null, cancellationToken).ConfigureAwait(false);
        HttpResponseMessage response = await PostCheckFlowAsync(session, flowToken, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            // The bearer was refused (expired early, keys rotated, engine restarted with other keys): once more, fresh.
            response.Dispose();
            LogReauthenticating(logger);
            session = await GetSessionAsync(session, cancellationToken).ConfigureAwait(false);
            response = await PostCheckFlowAsync(session, flowToken, cancellationToken).ConfigureAwait(false);
        }

        using (response)
        {
            ApiResponse? envelope = await ReadAsync(response, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode && envelope is { Status: "success", Data: { } data })
            {
                return new CrafyCheckFlowResult(data.Valid, data.RiskScore, data.Message);
            }

            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Gone or HttpStatusCode.Conflict && envelope is { Status: "error" })
            {
                return new CrafyCheckFlowResult(false, null, envelope.Message);
            }

            throw new HttpRequestException($"CrafyCAPTCHA check_flow failed with HTTP {(int)response.StatusCode}.", null, response.StatusCode);
        }
    }

    private async Task<HttpResponseMessage> PostCheckFlowAsync(Session session, string flowToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Action("check_flow"))
        {
            Content = JsonContent.Create(new CheckFlowRequest(flowToken), ApiClientJson.Default.CheckFlowRequest),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.Bearer);
        return await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The cached session, or a new one; <paramref name="refused"/> is a session the API refused (not reused).</summary>
    private async ValueTask<Session> GetSessionAsync(Session? refused, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _session) is { } cached && cached != refused && timeProvider.GetUtcNow() < cached.RefreshAt)
        {
            return cached;
        }

        await _authenticating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_session is { } current && current != refused && timeProvider.GetUtcNow() < current.RefreshAt)
            {
                return current; // another caller authenticated meanwhile
            }

            // Another instance's session, unless it is the one just refused (then it is removed for everybody).
            if (await ReadSharedAsync(cancellationToken).ConfigureAwait(false) is { } shared)
            {
                if (shared.Bearer != refused?.Bearer)
                {
                    Volatile.Write(ref _session, shared);
                    return shared;
                }

                await ForgetSharedAsync(cancellationToken).ConfigureAwait(false);
            }

            CrafyCaptchaOptions o = options.Value;
            using HttpResponseMessage response = await httpClientFactory.CreateClient(HttpClientName)
                .PostAsJsonAsync(Action("authenticate"), new AuthenticateRequest(o.PublicKey!, o.SecretKey!), ApiJsonContext.Default.AuthenticateRequest, cancellationToken)
                .ConfigureAwait(false);
            ApiEnvelope? envelope = response.IsSuccessStatusCode
                ? await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.ApiEnvelope, cancellationToken).ConfigureAwait(false)
                : null;
            if (envelope is not { Status: "success", Data: { Token: { Length: > 0 } bearer, PublicToken: { Length: > 0 } publicToken } data })
            {
                throw new HttpRequestException($"CrafyCAPTCHA authenticate failed with HTTP {(int)response.StatusCode}.", null, response.StatusCode);
            }

            TimeSpan lifetime = TimeSpan.FromSeconds(Math.Clamp(data.ExpiresIn, 0, 366L * 24 * 3600));
            var session = new Session(bearer, publicToken, timeProvider.GetUtcNow() + (lifetime > RefreshMargin * 2 ? lifetime - RefreshMargin : lifetime / 2));
            Volatile.Write(ref _session, session);
            await WriteSharedAsync(session, cancellationToken).ConfigureAwait(false);
            return session;
        }
        finally
        {
            _authenticating.Release();
        }
    }

    // The shared copy: keyed by the API and the public key (what names the credential; never a secret), as JSON. The
    // cache is an optimisation: when it fails, the client authenticates itself (logged), as without one.
    private string SharedKey => "CrafyCaptcha.ApiSession:" + options.Value.ApiBaseUrl + "|" + options.Value.PublicKey;

    private async ValueTask<Session?> ReadSharedAsync(CancellationToken cancellationToken)
    {
        if (distributedCache is null)
        {
            return null;
        }

        try
        {
            byte[]? bytes = await distributedCache.GetAsync(SharedKey, cancellationToken).ConfigureAwait(false);
            Session? session = bytes is null ? null : System.Text.Json.JsonSerializer.Deserialize(bytes, ApiClientJson.Default.Session);
            return session is { Bearer.Length: > 0, PublicToken.Length: > 0 } && timeProvider.GetUtcNow() < session.RefreshAt ? session : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSharedCacheFailed(logger, ex);
            return null;
        }
    }

    private async ValueTask WriteSharedAsync(Session session, CancellationToken cancellationToken)
    {
        if (distributedCache is null)
        {
            return;
        }

        try
        {
            byte[] bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(session, ApiClientJson.Default.Session);
            await distributedCache.SetAsync(SharedKey, bytes, new DistributedCacheEntryOptions { AbsoluteExpiration = session.RefreshAt }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSharedCacheFailed(logger, ex);
        }
    }

    private async ValueTask ForgetSharedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await distributedCache!.RemoveAsync(SharedKey, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSharedCacheFailed(logger, ex);
        }
    }

    private Uri Action(string action) => new(options.Value.ApiBaseUrl.ToString().TrimEnd('/') + "/?action=" + action);

    private static async Task<ApiResponse?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return null;
        }

        try
        {
            return await response.Content.ReadFromJsonAsync(ApiClientJson.Default.ApiResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _authenticating.Dispose();

    [LoggerMessage(124, LogLevel.Information, "CrafyCAPTCHA API refused the bearer token; authenticating again once.", EventName = "ApiReauthenticating")]
    private static partial void LogReauthenticating(ILogger logger);

    [LoggerMessage(125, LogLevel.Warning, "The distributed cache that shares the CrafyCAPTCHA API session failed; authenticating without it.", EventName = "ApiSessionCacheFailed")]
    private static partial void LogSharedCacheFailed(ILogger logger, Exception exception);

    internal sealed record Session(
        [property: JsonPropertyName("bearer")] string Bearer,
        [property: JsonPropertyName("public_token")] string PublicToken,
        [property: JsonPropertyName("refresh_at")] DateTimeOffset RefreshAt);
}

internal sealed record CheckFlowRequest([property: JsonPropertyName("flow_token")] string FlowToken);

internal sealed record CheckFlowData(
    [property: JsonPropertyName("valid")] bool Valid,
    [property: JsonPropertyName("risk_score")] double? RiskScore,
    [property: JsonPropertyName("message")] string? Message);

internal sealed record ApiResponse(
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("data")] CheckFlowData? Data);

[JsonSerializable(typeof(CheckFlowRequest))]
[JsonSerializable(typeof(ApiResponse))]
[JsonSerializable(typeof(CrafyCaptchaApiClient.Session))]
internal sealed partial class ApiClientJson : JsonSerializerContext;
