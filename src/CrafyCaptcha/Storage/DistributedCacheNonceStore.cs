using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Storage;

/// <summary>
/// The default <see cref="INonceStore"/>, on the app's <see cref="IDistributedCache"/> (in-memory unless the app
/// registered another). <see cref="IDistributedCache"/> has no atomic "remove if present", so consumption is made
/// atomic inside this process by striped locks: exactly one concurrent caller per nonce wins here. Across several
/// processes use the Redis store, whose consume is one Redis command.
/// </summary>
/// <remarks>
/// An entry holds its absolute expiry (checked against <see cref="TimeProvider"/> on every consume, in O(1)) and
/// the context. The cache's own expiry evicts it. Under a flood of created flows, at most
/// <see cref="CrafyCaptchaOptions.MaxOutstandingFlows"/> nonces are stored per flow lifetime, which bounds memory.
/// Clearing switches to a new key generation, so it costs nothing and needs no key enumeration.
/// </remarks>
internal sealed class DistributedCacheNonceStore : INonceStore
{
    private const int StripeCount = 64;
    private readonly IDistributedCache _cache;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim[] _stripes;
    private readonly OutstandingFlowLimiter _limiter;
    private string _keyPrefix = NewPrefix();

    public DistributedCacheNonceStore(IDistributedCache cache, TimeProvider timeProvider, IOptions<CrafyCaptchaOptions> options)
    {
        _cache = cache;
        _timeProvider = timeProvider;
        _limiter = new OutstandingFlowLimiter(options.Value.MaxOutstandingFlows, options.Value.FlowLifetime, timeProvider);
        _stripes = new SemaphoreSlim[StripeCount];
        for (int i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new SemaphoreSlim(1, 1);
        }
    }

    public ValueTask StoreAsync(string nonce, string? contextJson, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        if (!_limiter.TryAcquire())
        {
            throw new NonceStoreUnavailableException("The CrafyCaptcha nonce store refused a new flow: CrafyCaptcha:MaxOutstandingFlows flows were created within one flow lifetime.");
        }

        long expiresAt = _timeProvider.GetUtcNow().Add(lifetime).ToUnixTimeMilliseconds();
        int contextBytes = contextJson is null ? 0 : Encoding.UTF8.GetByteCount(contextJson);
        byte[] value = new byte[sizeof(long) + contextBytes];
        BinaryPrimitives.WriteInt64LittleEndian(value, expiresAt);
        if (contextJson is not null)
        {
            Encoding.UTF8.GetBytes(contextJson, value.AsSpan(sizeof(long)));
        }

        var entryOptions = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = lifetime };
        return new ValueTask(_cache.SetAsync(Key(nonce), value, entryOptions, cancellationToken));
    }

    public async ValueTask<NonceConsumption> TryConsumeAsync(string nonce, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        string key = Key(nonce);
        SemaphoreSlim stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(nonce) % StripeCount];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[]? value = await _cache.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (value is null || value.Length < sizeof(long))
            {
                return NonceConsumption.NotFound;
            }

            await _cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
            long expiresAt = BinaryPrimitives.ReadInt64LittleEndian(value);
            if (_timeProvider.GetUtcNow().ToUnixTimeMilliseconds() > expiresAt)
            {
                return NonceConsumption.NotFound;
            }

            string? context = value.Length > sizeof(long) ? Encoding.UTF8.GetString(value.AsSpan(sizeof(long))) : null;
            return new NonceConsumption(true, context);
        }
        finally
        {
            stripe.Release();
        }
    }

    public ValueTask ClearAllNoncesAsync(CancellationToken cancellationToken = default)
    {
        Volatile.Write(ref _keyPrefix, NewPrefix());
        _limiter.Reset();
        return ValueTask.CompletedTask;
    }

    private string Key(string nonce) => string.Concat(Volatile.Read(ref _keyPrefix), nonce);

    private static string NewPrefix() => $"crafy:nonce:{Guid.NewGuid():N}:";
}
