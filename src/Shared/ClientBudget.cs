using System.Net;
using System.Threading.RateLimiting;

namespace CrafyCaptcha.Shared;

/// <summary>
/// One way for every captcha endpoint to bound what one client may ask per minute: the library's partitioned
/// fixed-window limiters (System.Threading.RateLimiting, what ASP.NET Core's rate-limiting middleware runs on), one per
/// host (an IPv4 address, an IPv6 /64) and, five times wider, one per network (/24, /48), chained. They live in the endpoint rather than in the
/// app's <c>UseRateLimiter()</c> pipeline so that an app that forgets the middleware is still protected. Budgets are
/// per process and generous: the risk engine's shared velocity counters raise friction long before these refuse.
/// </summary>
internal sealed class ClientBudget : IDisposable
{
    /// <summary>How much wider a network's budget is than one address's.</summary>
    public const int NetworkFactor = 5;

    private readonly PartitionedRateLimiter<ClientAddress> _limiter;

    public ClientBudget(int permitsPerMinute)
    {
        PermitsPerMinute = permitsPerMinute;
        _limiter = PartitionedRateLimiter.CreateChained(
            PartitionedRateLimiter.Create<ClientAddress, IPNetwork>(c => RateLimitPartition.GetFixedWindowLimiter(c.Host, _ => Window(permitsPerMinute))),
            PartitionedRateLimiter.Create<ClientAddress, IPNetwork>(c => RateLimitPartition.GetFixedWindowLimiter(c.Network, _ => Window(permitsPerMinute * NetworkFactor))));
    }

    public int PermitsPerMinute { get; }

    /// <summary>How long a refused client should wait (the window).</summary>
    public static TimeSpan RetryAfter { get; } = TimeSpan.FromMinutes(1);

    /// <summary>Takes one permit for the client at <paramref name="remote"/>; <see langword="false"/> when its budget is spent.</summary>
    public bool TryTake(IPAddress? remote)
    {
        using RateLimitLease lease = _limiter.AttemptAcquire(ClientAddress.From(remote));
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();

    private static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = permits,
        Window = RetryAfter,
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
