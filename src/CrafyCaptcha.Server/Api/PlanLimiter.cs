using CrafyCaptcha.Server.Credentials;

namespace CrafyCaptcha.Server.Api;

/// <summary>
/// Counts a credential's bearer-protected calls against its plan (<see cref="ApiPlan"/>) in the engine state store, so
/// that every instance sharing the store (Redis) shares the counts: fixed one-second and one-minute windows on
/// <see cref="TimeProvider"/> time, keyed by the window's number. A call refused by the burst limit does not count
/// against the minute.
/// </summary>
internal sealed class PlanLimiter(IChallengeStateStore store, TimeProvider timeProvider)
{
    private const string SecondPrefix = "plan-s:";
    private const string MinutePrefix = "plan-m:";

    /// <summary>Counts one call; answers <see langword="null"/> when it is within the plan, else how long to wait.</summary>
    /// <exception cref="ChallengeStateUnavailableException">The state store failed.</exception>
    public async ValueTask<TimeSpan?> TryAcquireAsync(string publicKey, ApiPlan plan, CancellationToken cancellationToken)
    {
        long now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        long second = now / 1000;
        if (await store.IncrementAsync(SecondPrefix + publicKey + ":" + second.ToString(System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false) > plan.PerSecond)
        {
            return TimeSpan.FromMilliseconds(1000 - (now % 1000));
        }

        long minute = now / 60_000;
        if (await store.IncrementAsync(MinutePrefix + publicKey + ":" + minute.ToString(System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false) > plan.PerMinute)
        {
            return TimeSpan.FromMilliseconds(60_000 - (now % 60_000));
        }

        return null;
    }
}
