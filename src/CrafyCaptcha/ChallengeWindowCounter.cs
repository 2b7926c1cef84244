namespace CrafyCaptcha;

/// <summary>
/// One sliding-window counter for <see cref="IChallengeStateStore.CountWindowsAsync"/>: the counter of the current fixed
/// window, the previous window's, and what to do to the current one (nothing, add one, or add one only the first time a
/// mark is seen in the window).
/// </summary>
/// <param name="CurrentKey">The counter of the current window.</param>
/// <param name="PreviousKey">The counter of the previous window, only read.</param>
/// <param name="TimeToLive">The lifetime of a counter (and of the mark) that the call creates; more than zero.</param>
/// <param name="Increment">Whether to add one to <paramref name="CurrentKey"/> (as <see cref="IChallengeStateStore.IncrementAsync"/>).</param>
/// <param name="OnceKey">
/// With <paramref name="Increment"/>: add one only when this mark was absent, and set it (as
/// <see cref="IChallengeStateStore.TryAddAsync"/>): counts distinct things, for example hosts of a network.
/// </param>
public readonly record struct ChallengeWindowCounter(string CurrentKey, string PreviousKey, TimeSpan TimeToLive, bool Increment = false, string? OnceKey = null);

/// <summary>What <see cref="IChallengeStateStore.CountWindowsAsync"/> read for one <see cref="ChallengeWindowCounter"/>.</summary>
/// <param name="Current">The current window's count, after any increment of the call.</param>
/// <param name="Previous">The previous window's count (0 when absent).</param>
public readonly record struct ChallengeWindowCount(long Current, long Previous);
