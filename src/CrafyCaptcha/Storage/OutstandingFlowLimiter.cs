namespace CrafyCaptcha.Storage;

/// <summary>
/// Bounds how many nonces one process can have outstanding: it counts the nonces stored within the last flow
/// lifetime (in one-minute buckets, so the count can only overestimate) and refuses new ones past the limit.
/// A size-limited in-memory cache does not bound memory by itself, because it counts only value bytes, not the
/// entry and key that come with every nonce.
/// </summary>
internal sealed class OutstandingFlowLimiter
{
    private static readonly TimeSpan BucketWidth = TimeSpan.FromMinutes(1);
    private readonly long[] _counts;
    private readonly long[] _bucketIds;
    private readonly TimeProvider _timeProvider;
    private readonly long _limit;
    private readonly Lock _lock = new();

    public OutstandingFlowLimiter(long limit, TimeSpan lifetime, TimeProvider timeProvider)
    {
        _limit = limit;
        _timeProvider = timeProvider;
        int buckets = (int)Math.Ceiling(lifetime / BucketWidth) + 1;
        _counts = new long[buckets];
        _bucketIds = new long[buckets];
    }

    public bool TryAcquire()
    {
        long bucketId = _timeProvider.GetUtcNow().UtcTicks / BucketWidth.Ticks;
        lock (_lock)
        {
            long total = 0;
            for (int i = 0; i < _counts.Length; i++)
            {
                if (_bucketIds[i] > bucketId - _counts.Length)
                {
                    total += _counts[i];
                }
            }

            if (total >= _limit)
            {
                return false;
            }

            int slot = (int)(bucketId % _counts.Length);
            if (_bucketIds[slot] != bucketId)
            {
                _bucketIds[slot] = bucketId;
                _counts[slot] = 0;
            }

            _counts[slot]++;
            return true;
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            Array.Clear(_counts);
            Array.Clear(_bucketIds);
        }
    }
}
