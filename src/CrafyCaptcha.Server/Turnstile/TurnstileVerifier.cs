using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CrafyCaptcha.Server.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Turnstile;

/// <summary>What <c>siteverify</c> said about a Turnstile token.</summary>
internal enum TurnstileVerdict
{
    /// <summary>Cloudflare accepted the token, for the flow's host.</summary>
    Passed,

    /// <summary>Cloudflare refused the token (<c>invalid-input-response</c> and the like), or it was solved on another host.</summary>
    Invalid,

    /// <summary>The token was already verified once, or is too old (<c>timeout-or-duplicate</c>).</summary>
    Spent,

    /// <summary><c>siteverify</c> did not answer in time, failed, or answered something unreadable.</summary>
    Unavailable,
}

/// <summary>
/// Checks a Turnstile token with Cloudflare's <c>siteverify</c> (form-encoded <c>secret</c>, <c>response</c>,
/// <c>remoteip</c>, <c>idempotency_key</c>) through the named <see cref="HttpClientName"/> client, within
/// <see cref="ChallengeTurnstileOptions.Timeout"/> in all. Never throws for Cloudflare's failures; never logs the secret or the token.
/// </summary>
internal sealed class TurnstileVerifier(IHttpClientFactory clients, IOptions<ChallengeServerOptions> options, ILogger<TurnstileVerifier> logger)
{
    /// <summary>The named <see cref="HttpClient"/> (with the standard resilience handler, bounded by the timeout).</summary>
    public const string HttpClientName = "CrafyCaptcha.Server.Turnstile";

    /// <summary>Turnstile tokens are at most 2048 characters; anything longer is not sent to Cloudflare.</summary>
    public const int MaxTokenLength = 2048;

    // Cloudflare's documented test secret keys answer for the host "example.com" whatever page the widget was on.
    private const string TestKeyHost = "example.com";

    private readonly ChallengeTurnstileOptions _options = options.Value.Turnstile;

    /// <summary>Whether <paramref name="secretKey"/> is one of Cloudflare's documented test secret keys (1x…, 2x…, 3x… 0000…AA).</summary>
    internal static bool IsTestSecret(string secretKey)
        => secretKey.Length == 35 && secretKey[0] is '1' or '2' or '3' && secretKey[1] == 'x' && secretKey.AsSpan(2, 31).IndexOfAnyExcept('0') < 0 && secretKey.EndsWith("AA", StringComparison.Ordinal);

    public async Task<TurnstileVerdict> VerifyAsync(ChallengeTurnstileKeys keys, string token, IPAddress? remoteAddress, string flowToken, string expectedHost, CancellationToken cancellationToken)
    {
        string secret = keys.SecretKey!;
        var fields = new List<KeyValuePair<string, string>>(4)
        {
            new("secret", secret),
            new("response", token),
            new("idempotency_key", IdempotencyKey(flowToken)),
        };
        if (remoteAddress is not null)
        {
            fields.Add(new("remoteip", remoteAddress.ToString()));
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        SiteVerifyResponse? answer;
        try
        {
            using var content = new FormUrlEncodedContent(fields);
            using HttpResponseMessage response = await clients.CreateClient(HttpClientName).PostAsync(_options.SiteVerifyUrl, content, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Log.TurnstileUnavailable(logger, "HTTP " + (int)response.StatusCode);
                return TurnstileVerdict.Unavailable;
            }

            answer = await response.Content.ReadFromJsonAsync(TurnstileJson.Default.SiteVerifyResponse, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.TurnstileUnavailable(logger, "no answer within " + _options.Timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + " s");
            return TurnstileVerdict.Unavailable;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or NotSupportedException or Polly.ExecutionRejectedException)
        {
            Log.TurnstileUnavailable(logger, ex.GetType().Name);
            return TurnstileVerdict.Unavailable;
        }

        if (answer is null)
        {
            Log.TurnstileUnavailable(logger, "empty answer");
            return TurnstileVerdict.Unavailable;
        }

        string codes = answer.ErrorCodes is { Length: > 0 } list ? string.Join(',', list.Take(5)) : string.Empty;
        if (!answer.Success)
        {
            Log.TurnstileRefused(logger, codes);
            return answer.ErrorCodes?.Contains("timeout-or-duplicate") == true ? TurnstileVerdict.Spent : TurnstileVerdict.Invalid;
        }

        // A token solved on another site that uses the same Turnstile widget is not this flow's.
        if (answer.Hostname is { Length: > 0 } host
            && !string.Equals(host, expectedHost, StringComparison.OrdinalIgnoreCase)
            && !(host == TestKeyHost && IsTestSecret(secret)))
        {
            Log.TurnstileRefused(logger, "hostname mismatch");
            return TurnstileVerdict.Invalid;
        }

        return TurnstileVerdict.Passed;
    }

    /// <summary>A UUID derived from the flow: Cloudflare answers a retried call with the same key as the first one.</summary>
    private static string IdempotencyKey(string flowToken)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("crafy-turnstile-idempotency:" + flowToken), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5-style (name-based), variant RFC 4122
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true).ToString();
    }
}

/// <summary>The fields of Cloudflare's <c>siteverify</c> answer the engine reads.</summary>
internal sealed record SiteVerifyResponse(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("error-codes")] string[]? ErrorCodes,
    [property: JsonPropertyName("hostname")] string? Hostname,
    [property: JsonPropertyName("action")] string? Action);

[JsonSerializable(typeof(SiteVerifyResponse))]
internal sealed partial class TurnstileJson : JsonSerializerContext;
