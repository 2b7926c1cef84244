using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Protocol;
using CrafyCaptcha.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Internal;

/// <summary>The default <see cref="ICrafyCaptcha"/>: local flow creation and local verification.</summary>
internal sealed class CrafyCaptchaService : ICrafyCaptcha, IDisposable
{
    private readonly CrafyCaptchaOptions _options;
    private readonly INonceStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SecretBox _secretBox;
    private readonly VisitorBinding _visitors;

    public CrafyCaptchaService(IOptions<CrafyCaptchaOptions> options, INonceStore store, TimeProvider timeProvider, ILogger<CrafyCaptchaService> logger)
    {
        _options = options.Value;
        _store = store;
        _timeProvider = timeProvider;
        _logger = logger;
        _secretBox = new SecretBox(_options.SecretKey ?? throw new InvalidOperationException(CrafyCaptchaOptionsValidator.MissingSecretKeyMessage));
        _visitors = new VisitorBinding(_options.SecretKey);
    }

    public async ValueTask<string> CreateFlowAsync(FlowOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FlowOptions();
        JsonObject json = FlowOptionsWriter.ToJsonObject(options);
        string nonce = NonceHex.New();
        string? contextJson = StoredContext(options)?.ToJsonString();
        await _store.StoreAsync(nonce, contextJson, _options.FlowLifetime, cancellationToken).ConfigureAwait(false);

        var buffer = new ArrayBufferWriter<byte>(256);
        FlowOptionsWriter.Write(buffer, json, nonce);
        string eo = _secretBox.Seal(buffer.WrittenSpan);
        Log.FlowCreated(_logger, options.Mode ?? FlowMode.Auto, contextJson is not null);
        return eo;
    }

    public ValueTask<FlowVerification> VerifyFlowAsync(string? token, JsonObject? expectedContext = null, string? visitor = null, CancellationToken cancellationToken = default)
    {
        TokenCheck check = CaptchaTokenReader.Check(token, _secretBox, _timeProvider.GetUtcNow(), _options.MaxTokenLength);
        if (check.Failure != FlowFailure.None)
        {
            Log.VerificationFailed(_logger, check.Failure);
            return ValueTask.FromResult(FlowVerification.FromCheck(check.Failure, check));
        }

        // The default store completes synchronously: finish without an async state machine in that case.
        ValueTask<NonceConsumption> consume;
        try
        {
            consume = _store.TryConsumeAsync(check.Nonce!, cancellationToken);
        }
        catch (NonceStoreUnavailableException ex)
        {
            return ValueTask.FromResult(StoreUnavailable(check, ex));
        }
#pragma warning disable CA1031 // Any other exception is the caller's, delivered through the ValueTask as an async method would.
        catch (Exception ex)
        {
            return ValueTask.FromException<FlowVerification>(ex);
        }
#pragma warning restore CA1031

        return consume.IsCompletedSuccessfully
            ? ValueTask.FromResult(Consumed(check, consume.Result, expectedContext, visitor))
            : ConsumeAsync(check, consume, expectedContext, visitor);
    }

    private async ValueTask<FlowVerification> ConsumeAsync(TokenCheck check, ValueTask<NonceConsumption> consume, JsonObject? expectedContext, string? visitor)
    {
        NonceConsumption consumption;
        try
        {
            consumption = await consume.ConfigureAwait(false);
        }
        catch (NonceStoreUnavailableException ex)
        {
            return StoreUnavailable(check, ex);
        }

        return Consumed(check, consumption, expectedContext, visitor);
    }

    private FlowVerification StoreUnavailable(TokenCheck check, NonceStoreUnavailableException exception)
    {
        Log.StoreUnavailable(_logger, exception);
        return FlowVerification.FromCheck(FlowFailure.StoreUnavailable, check);
    }

    private FlowVerification Consumed(TokenCheck check, NonceConsumption consumption, JsonObject? expectedContext, string? visitor)
    {
        FlowFailure failure = !consumption.Consumed ? FlowFailure.NonceNotFound
            : !CheckStoredContext(consumption.ContextJson, expectedContext, visitor, out FlowFailure contextFailure) ? contextFailure
            : FlowFailure.None;
        if (failure != FlowFailure.None)
        {
            Log.VerificationFailed(_logger, failure);
            return FlowVerification.FromCheck(failure, check);
        }

        Log.VerificationSucceeded(_logger, check.RiskScore ?? -1);
        return FlowVerification.FromCheck(FlowFailure.None, check);
    }

    /// <summary>
    /// The stored context, parsed once for both of its checks: the expected keys, then a bound flow's visitor. A flow
    /// without a context (or an unreadable one) fails an expected context and is not bound.
    /// </summary>
    private bool CheckStoredContext(string? storedJson, JsonObject? expected, string? visitor, out FlowFailure failure)
    {
        JsonObject? stored = null;
        if (storedJson is not null && (expected is not null || storedJson.Contains(VisitorBinding.ContextKey, StringComparison.Ordinal)))
        {
            try
            {
                stored = JsonNode.Parse(storedJson) as JsonObject;
            }
            catch (JsonException)
            {
                stored = null;
            }
        }

        failure = expected is not null && !ContextMatches(stored, expected) ? FlowFailure.ContextMismatch
            : !_visitors.Matches(stored, visitor) ? FlowFailure.WrongVisitor
            : FlowFailure.None;
        return failure == FlowFailure.None;
    }

    /// <summary>Every expected key must be in the stored context object with a JSON-equal value (types included).</summary>
    private static bool ContextMatches(JsonObject? stored, JsonObject expected)
    {
        if (stored is null)
        {
            return false;
        }

        foreach (KeyValuePair<string, JsonNode?> pair in expected)
        {
            if (!stored.TryGetPropertyValue(pair.Key, out JsonNode? value) || !JsonNode.DeepEquals(value, pair.Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The context stored beside the nonce: the caller's, plus the visitor's keyed hash when the flow is bound.</summary>
    private JsonObject? StoredContext(FlowOptions options)
    {
        if (options.Context?.ContainsKey(VisitorBinding.ContextKey) == true)
        {
            throw new ArgumentException($"The context key '{VisitorBinding.ContextKey}' is reserved for FlowOptions.Visitor.", nameof(options));
        }

        if (options.Visitor is null)
        {
            return options.Context;
        }

        JsonObject stored = options.Context is null ? [] : (JsonObject)options.Context.DeepClone();
        stored[VisitorBinding.ContextKey] = _visitors.Hash(options.Visitor);
        return stored;
    }

    public void Dispose() => _secretBox.Dispose();
}
