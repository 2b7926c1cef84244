namespace CrafyCaptcha.Server.Credentials;

/// <summary>
/// A billing plan's limits on the bearer-protected REST calls (the seed's table): requests per minute and per second
/// (burst), per credential. The plan travels in the bearer token, so a plan change takes effect at re-authentication.
/// </summary>
internal sealed record ApiPlan(string Name, int PerMinute, int PerSecond)
{
    public static readonly ApiPlan Starter = new("starter", 8, 2);

    public static readonly ApiPlan Growth = new("growth", 150, 20);

    public static readonly ApiPlan Scale = new("scale", 500, 50);

    /// <summary>The plan named <paramref name="name"/> (any case), or <see langword="null"/> for an unknown name.</summary>
    public static ApiPlan? Find(string? name)
        => name switch
        {
            _ when string.Equals(name, Starter.Name, StringComparison.OrdinalIgnoreCase) => Starter,
            _ when string.Equals(name, Growth.Name, StringComparison.OrdinalIgnoreCase) => Growth,
            _ when string.Equals(name, Scale.Name, StringComparison.OrdinalIgnoreCase) => Scale,
            _ => null,
        };
}
