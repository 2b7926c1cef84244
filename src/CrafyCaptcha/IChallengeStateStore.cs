namespace CrafyCaptcha;

/// <summary>
/// The challenge engine's own state: flow records, one-use proof-of-work and "<c>eo</c> spent" marks, and velocity
/// counters. It is not the site's <see cref="INonceStore"/>, whose contract is the site's nonces, and the engine's
/// traffic never counts against that store's limits.
/// </summary>
/// <remarks>
/// <para>
/// Every operation is atomic for its key: of any number of concurrent callers (on any number of instances sharing the
/// store), exactly one <see cref="TryAddAsync"/> of an absent key succeeds, exactly one <see cref="TakeAsync"/> gets the
/// value, and <see cref="IncrementAsync"/> never loses a count. An entry is gone once its time to live has passed.
/// A key holds either a value (<see cref="SetAsync"/>, <see cref="TryAddAsync"/>, <see cref="GetAsync"/>,
/// <see cref="TakeAsync"/>) or a counter (<see cref="IncrementAsync"/>, <see cref="GetCountAsync"/>), never both.
/// </para>
/// <para>
/// A store bounds what it holds: a full store makes room by dropping entries (the in-memory default drops the least
/// recently used), it never refuses a write, so a flood degrades the flooder's own entries rather than the captcha
/// for everyone. When its backing service fails, an operation throws <see cref="ChallengeStateUnavailableException"/>
/// and the engine fails closed (HTTP 503).
/// </para>
/// <para>
/// The interface lives in the SDK core, which has no ASP.NET Core dependency, so that a store package (Redis)
/// implements it without depending on the engine. The engine (<c>CrafyCaptcha.Server</c>) registers an in-memory
/// default; <c>AddRedisNonceStore</c> switches it to Redis together with the nonces.
/// </para>
/// </remarks>
public interface IChallengeStateStore
{
    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>, replacing any value there, for <paramref name="timeToLive"/>.</summary>
    /// <param name="key">The engine's key (the store adds its own prefix).</param>
    /// <param name="value">The bytes to keep; the store keeps a copy.</param>
    /// <param name="timeToLive">How long the entry lives; more than zero.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ChallengeStateUnavailableException">The backing store failed.</exception>
    ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="value"/> only if <paramref name="key"/> holds nothing unexpired (a one-use mark).</summary>
    /// <param name="key">The engine's key.</param>
    /// <param name="value">The bytes to keep; the store keeps a copy.</param>
    /// <param name="timeToLive">How long the entry lives; more than zero.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> for exactly one of any number of concurrent callers when the key was absent; otherwise <see langword="false"/>, and the stored entry is left as it was.</returns>
    /// <exception cref="ChallengeStateUnavailableException">The backing store failed.</exception>
    ValueTask<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Reads the value under <paramref name="key"/>, leaving it in place.</summary>
    /// <param name="key">The engine's key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A copy of the value, or <see langword="null"/> when the key is absent or expired.</returns>
    /// <exception cref="ChallengeStateUnavailableException">The backing store failed.</exception>
    ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Atomically reads and removes the value under <paramref name="key"/>.</summary>
    /// <param name="key">The engine's key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The value for exactly one of any number of concurrent callers; <see langword="null"/> for the others and when the key is absent or expired.</returns>
    /// <exception cref="ChallengeStateUnavailableException">The backing store failed.</exception>
    ValueTask<byte[]?> TakeAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically adds one to the counter under <paramref name="key"/>. A counter that does not exist (or has expired)
    /// starts at one and lives for <paramref name="timeToLive"/> from then; later increments do not extend it, so a key
    /// per time window counts that window.
    /// </summary>
    /// <param name="key">The engine's key.</param>
    /// <param name="timeToLive">The counter's lifetime, applied when this call creates it; more than zero.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The count after this increment: 1 for the call that created the counter.</returns>
    /// <exception cref="ChallengeStateUnavailableException">The backing store failed.</exception>
    ValueTask<long> IncrementAsync(string key, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Reads the counter under <paramref name="key"/> without changing it (for example the previous window's count).</summary>
    /// <param name="key">The engine's key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The count, or 0 when the counter is absent or expired.</returns>
    /// <exception cref="ChallengeStateUnavailableException">The backing store failed.</exception>
    ValueTask<long> GetCountAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts several sliding windows at once (the risk engine's velocity counters of one challenge load): for each
    /// counter, its increment (if any, as <see cref="IncrementAsync"/>, or once per mark as <see cref="TryAddAsync"/>
    /// then <see cref="IncrementAsync"/>), then the reads of its current and previous windows. Each counter is atomic as
    /// those methods are; the batch as a whole need not be. The default calls those methods one by one; a store on a
    /// server overrides it to ask once (Redis: one script). The engine gives all keys of one batch the same
    /// <c>{hash tag}</c>, so a Redis Cluster runs such a script on one node.
    /// </summary>
    /// <param name="counters">The counters, in order.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One count per counter, in the same order.</returns>
    /// <exception cref="ChallengeStateUnavailableException">The backing store failed.</exception>
    async ValueTask<ChallengeWindowCount[]> CountWindowsAsync(IReadOnlyList<ChallengeWindowCounter> counters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(counters);
        foreach (ChallengeWindowCounter counter in counters)
        {
            ArgumentException.ThrowIfNullOrEmpty(counter.CurrentKey, nameof(counters));
            ArgumentException.ThrowIfNullOrEmpty(counter.PreviousKey, nameof(counters));
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(counter.TimeToLive, TimeSpan.Zero, nameof(counters));
            if (counter.OnceKey is { Length: 0 })
            {
                throw new ArgumentException("A once key is either null or a non-empty string.", nameof(counters));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        var counts = new ChallengeWindowCount[counters.Count];
        for (int i = 0; i < counts.Length; i++)
        {
            ChallengeWindowCounter counter = counters[i];
            bool add = counter.Increment && (counter.OnceKey is null || await TryAddAsync(counter.OnceKey, OnceMark, counter.TimeToLive, cancellationToken).ConfigureAwait(false));
            long current = add
                ? await IncrementAsync(counter.CurrentKey, counter.TimeToLive, cancellationToken).ConfigureAwait(false)
                : await GetCountAsync(counter.CurrentKey, cancellationToken).ConfigureAwait(false);
            counts[i] = new ChallengeWindowCount(current, await GetCountAsync(counter.PreviousKey, cancellationToken).ConfigureAwait(false));
        }

        return counts;
    }

    /// <summary>The value of a <see cref="ChallengeWindowCounter.OnceKey"/> mark.</summary>
    private static readonly byte[] OnceMark = [(byte)'1'];
}
