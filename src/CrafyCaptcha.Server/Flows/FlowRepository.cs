using System.Text.Json;

namespace CrafyCaptcha.Server.Flows;

/// <summary>
/// The engine's flow state, in its own store (<see cref="IChallengeStateStore"/>: in memory, or Redis so that any
/// instance can serve any step), apart from the site's nonces: flow records and proof-of-work challenges as one-use
/// entries (taking one is atomic), "<c>eo</c> spent" marks, and how many times each <c>eo</c> was loaded. Every
/// failure of the store is <see cref="ChallengeStateUnavailableException"/>.
/// </summary>
internal sealed class FlowRepository(IChallengeStateStore store)
{
    private const string FlowPrefix = "flow:";
    private const string PowPrefix = "pow:";
    private const string SpentPrefix = "eo-spent:";
    private const string LoadsPrefix = "eo-loads:";
    private const string CompletedPrefix = "flow-done:";
    private static readonly byte[] Mark = [1];

    public ValueTask SaveAsync(string flowToken, FlowRecord record, TimeSpan lifetime, CancellationToken cancellationToken)
        => store.SetAsync(FlowPrefix + flowToken, JsonSerializer.SerializeToUtf8Bytes(record, FlowRecordJson.Default.FlowRecord), lifetime, cancellationToken);

    /// <summary>Takes the flow: exactly one caller gets it, once.</summary>
    public async ValueTask<FlowRecord?> TakeAsync(string flowToken, CancellationToken cancellationToken)
        => await store.TakeAsync(FlowPrefix + flowToken, cancellationToken).ConfigureAwait(false) is { } json
            ? JsonSerializer.Deserialize(json, FlowRecordJson.Default.FlowRecord)
            : null;

    /// <summary>Keeps a completed flow for <c>check_flow</c>, under its credential, until its token expires.</summary>
    public ValueTask SaveCompletedAsync(string publicKey, string flowToken, CompletedFlow completed, TimeSpan lifetime, CancellationToken cancellationToken)
        => store.SetAsync(CompletedKey(publicKey, flowToken), JsonSerializer.SerializeToUtf8Bytes(completed, FlowRecordJson.Default.CompletedFlow), lifetime, cancellationToken);

    /// <summary>Takes the completed flow (the store's one-use primitive): exactly one caller gets it, once, on any instance.</summary>
    public async ValueTask<CompletedFlow?> TakeCompletedAsync(string publicKey, string flowToken, CancellationToken cancellationToken)
        => await store.TakeAsync(CompletedKey(publicKey, flowToken), cancellationToken).ConfigureAwait(false) is { } json
            ? JsonSerializer.Deserialize(json, FlowRecordJson.Default.CompletedFlow)
            : null;

    private static string CompletedKey(string publicKey, string flowToken) => CompletedPrefix + publicKey + ":" + flowToken;

    public ValueTask SavePowAsync(string challenge, TimeSpan lifetime, CancellationToken cancellationToken)
        => store.SetAsync(PowPrefix + challenge, Mark, lifetime, cancellationToken);

    /// <summary>Uses the proof-of-work challenge: <see langword="true"/> for exactly one caller.</summary>
    public async ValueTask<bool> UsePowAsync(string challenge, CancellationToken cancellationToken)
        => await store.TakeAsync(PowPrefix + challenge, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Marks the <c>eo</c> with this nonce spent: <see langword="true"/> for exactly one caller.</summary>
    public ValueTask<bool> TryMarkSpentAsync(string nonce, TimeSpan lifetime, CancellationToken cancellationToken)
        => store.TryAddAsync(SpentPrefix + nonce, Mark, lifetime, cancellationToken);

    public async ValueTask<bool> IsSpentAsync(string nonce, CancellationToken cancellationToken)
        => await store.GetAsync(SpentPrefix + nonce, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Counts one more load of the <c>eo</c> with this nonce and returns how many there were.</summary>
    public ValueTask<long> CountLoadAsync(string nonce, TimeSpan lifetime, CancellationToken cancellationToken)
        => store.IncrementAsync(LoadsPrefix + nonce, lifetime, cancellationToken);
}
