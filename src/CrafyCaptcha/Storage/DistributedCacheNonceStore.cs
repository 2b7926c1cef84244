using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Storage;

/// <summary>
/// The default <see cref="INonceStore"/> on a shared <see cref="IDistributedCache"/> that has no atomic "remove if
/// present" (SQL Server, NCache…): keys are <see cref="CrafyCaptchaOptions.NonceKeyPrefix"/> + nonce, the same on
/// every instance and across restarts, and consumption is atomic inside this process only, by striped locks. It is
/// chosen only when the app accepts that (<see cref="CrafyCaptchaOptions.AcceptPerProcessReplayProtection"/>) or in
/// Development (<see cref="NonceStoreSelection"/>).
/// </summary>
/// <remarks>
/// An entry holds its absolute expiry and the time it was stored (both checked against <see cref="TimeProvider"/> on
/// every consume, in O(1)) and the context. The cache's own expiry evicts it. Clearing writes one shared mark, the
/// time of the clear plus <see cref="ClockSkew"/>, under the prefix, kept longer than any nonce lives: every instance
/// refuses entries stored up to it, with no key enumeration.
/// Under a flood of created flows, at most <see cref="CrafyCaptchaOptions.MaxOutstandingFlows"/> nonces are stored
/// per flow lifetime by this process.
/// </remarks>
internal sealed class DistributedCacheNonceStore : INonceStore
{
    private const int StripeCount = 64;
    private const int HeaderLength = 2 * sizeof(long);
    private readonly IDistributedCache _cache;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim[] _stripes;
    private readonly OutstandingFlowLimiter _limiter;
    /// <summary>How far the clocks of a farm's instances may differ; a clear also refuses nonces stored this long after it.</summary>
    internal static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>The longest a nonce lives (<see cref="CrafyCaptchaOptions.FlowLifetime"/> is at most a day): a clear mark outlives it.</summary>
    private static readonly TimeSpan MaxNonceLifetime = TimeSpan.FromDays(1);

    private readonly string _keyPrefix;
    private readonly string _clearedKey;

    public DistributedCacheNonceStore(IDistributedCache cache, TimeProvider timeProvider, IOptions<CrafyCaptchaOptions> options)
    {
        _cache = cache;
        _timeProvider = timeProvider;
        _keyPrefix = options.Value.NonceKeyPrefix;
        _clearedKey = _keyPrefix + "cleared-at"; // never a nonce: nonces are 64 hex characters
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

        DateTimeOffset now = _timeProvider.GetUtcNow();
        int contextBytes = contextJson is null ? 0 : Encoding.UTF8.GetByteCount(contextJson);
        byte[] value = new byte[HeaderLength + contextBytes];
        BinaryPrimitives.WriteInt64LittleEndian(value, now.Add(lifetime).ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(sizeof(long)), now.ToUnixTimeMilliseconds());
        if (contextJson is not null)
        {
            Encoding.UTF8.GetBytes(contextJson, value.AsSpan(HeaderLength));
        }

        var entryOptions = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = lifetime };
        return new ValueTask(_cache.SetAsync(_keyPrefix + nonce, value, entryOptions, cancellationToken));
    }

    public async ValueTask<NonceConsumption> TryConsumeAsync(string nonce, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        string key = _keyPrefix + nonce;
        SemaphoreSlim stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(nonce) % StripeCount];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Task<byte[]?> cleared = _cache.GetAsync(_clearedKey, cancellationToken);
            byte[]? value = await _cache.GetAsync(key, cancellationToken).ConfigureAwait(false);
            byte[]? clearedAt = await cleared.ConfigureAwait(false);
            if (value is null || value.Length < HeaderLength)
            {
                return NonceConsumption.NotFound;
            }

            await _cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
            long expiresAt = BinaryPrimitives.ReadInt64LittleEndian(value);
            long storedAt = BinaryPrimitives.ReadInt64LittleEndian(value.AsSpan(sizeof(long)));
            bool wasCleared = clearedAt is { Length: sizeof(long) } && storedAt <= BinaryPrimitives.ReadInt64LittleEndian(clearedAt);
            if (wasCleared || _timeProvider.GetUtcNow().ToUnixTimeMilliseconds() > expiresAt)
            {
                return NonceConsumption.NotFound;
            }

            string? context = value.Length > HeaderLength ? Encoding.UTF8.GetString(value.AsSpan(HeaderLength)) : null;
            return new NonceConsumption(true, context);
        }
        finally
        {
            stripe.Release();
        }
    }

    public async ValueTask ClearAllNoncesAsync(CancellationToken cancellationToken = default)
    {
        // The mark stands for the clearing instance's time plus the clock skew a farm may have, and outlives every nonce
        // stored before it (a cache's own default, such as SQL Server's 20-minute sliding expiry, must not end it sooner).
        byte[] mark = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(mark, _timeProvider.GetUtcNow().Add(ClockSkew).ToUnixTimeMilliseconds());
        var markOptions = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = MaxNonceLifetime + ClockSkew };
        await _cache.SetAsync(_clearedKey, mark, markOptions, cancellationToken).ConfigureAwait(false);
        _limiter.Reset();
    }
}
