using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;

namespace CrafyCaptcha.Server.Flows;

/// <summary>
/// The engine's state, kept where the SDK keeps its nonces so that any instance can serve any step: a flow record and
/// a proof-of-work challenge are stored as one-use entries of the <see cref="INonceStore"/> (taking one is atomic);
/// an <c>eo</c> whose token was issued is marked spent in the <see cref="IDistributedCache"/>.
/// </summary>
internal sealed class FlowRepository(INonceStore store, IDistributedCache cache)
{
    private const string FlowPrefix = "crafy-flow:";
    private const string PowPrefix = "crafy-pow:";
    private const string SpentPrefix = "crafy:eo-spent:";

    public ValueTask SaveAsync(string flowToken, FlowRecord record, TimeSpan lifetime, CancellationToken cancellationToken)
        => store.StoreAsync(FlowPrefix + flowToken, JsonSerializer.Serialize(record, FlowRecordJson.Default.FlowRecord), lifetime, cancellationToken);

    /// <summary>Takes the flow: exactly one caller gets it, once.</summary>
    public async ValueTask<FlowRecord?> TakeAsync(string flowToken, CancellationToken cancellationToken)
    {
        NonceConsumption taken = await store.TryConsumeAsync(FlowPrefix + flowToken, cancellationToken).ConfigureAwait(false);
        return taken.Consumed && taken.ContextJson is { } json ? JsonSerializer.Deserialize(json, FlowRecordJson.Default.FlowRecord) : null;
    }

    public ValueTask SavePowAsync(string challenge, TimeSpan lifetime, CancellationToken cancellationToken)
        => store.StoreAsync(PowPrefix + challenge, null, lifetime, cancellationToken);

    /// <summary>Uses the proof-of-work challenge: <see langword="true"/> for exactly one caller.</summary>
    public async ValueTask<bool> UsePowAsync(string challenge, CancellationToken cancellationToken)
        => (await store.TryConsumeAsync(PowPrefix + challenge, cancellationToken).ConfigureAwait(false)).Consumed;

    public Task MarkSpentAsync(string nonce, TimeSpan lifetime, CancellationToken cancellationToken)
        => cache.SetAsync(SpentPrefix + nonce, [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = lifetime }, cancellationToken);

    public async Task<bool> IsSpentAsync(string nonce, CancellationToken cancellationToken)
        => await cache.GetAsync(SpentPrefix + nonce, cancellationToken).ConfigureAwait(false) is not null;
}
