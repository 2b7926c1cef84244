namespace CrafyCaptcha.Server.Risk;

/// <summary>
/// The named reasons a flow's risk score rose, as logged, counted (metric tag <c>reason</c>) and carried in the token
/// payload (<c>risk_reasons</c>). Each has a weight in <see cref="ChallengeRiskOptions.Weights"/>.
/// </summary>
public static class RiskReasons
{
    /// <summary>Many challenge loads from this IP address within the velocity window.</summary>
    public const string VelocityIp = "velocity_ip";

    /// <summary>Many challenge loads from this network (/24 IPv4, /56 IPv6) within the velocity window.</summary>
    public const string VelocityNetwork = "velocity_network";

    /// <summary>Recent refused answers (wrong, forged, replayed, too fast, no interaction) from this IP address.</summary>
    public const string RecentFailures = "recent_failures";

    /// <summary>The address is in the configured datacenter list.</summary>
    public const string Datacenter = "datacenter";

    /// <summary>The address is in the configured Tor exit list.</summary>
    public const string Tor = "tor";

    /// <summary>The User-Agent and the client hints (<c>Sec-CH-UA</c>) disagree.</summary>
    public const string HeaderMismatch = "header_mismatch";

    /// <summary>The User-Agent names an automation tool or an HTTP library (<c>HeadlessChrome</c>, <c>curl</c>, …).</summary>
    public const string AutomationUserAgent = "automation_user_agent";

    /// <summary>No User-Agent at all.</summary>
    public const string NoUserAgent = "no_user_agent";

    /// <summary>No Accept-Language, which every browser sends.</summary>
    public const string NoAcceptLanguage = "no_accept_language";

    /// <summary>The fetch metadata (<c>Sec-Fetch-*</c>) is not that of a browser loading an iframe, or is missing where a browser sends it.</summary>
    public const string FetchMetadata = "fetch_metadata";

    /// <summary>The browser said it is driven by automation (<c>navigator.webdriver</c>).</summary>
    public const string Webdriver = "webdriver";

    /// <summary>The client sent no telemetry with the challenge request.</summary>
    public const string TelemetryMissing = "telemetry_missing";

    /// <summary>All reasons that carry a weight, in a stable order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        VelocityIp, VelocityNetwork, RecentFailures, Datacenter, Tor, HeaderMismatch, AutomationUserAgent, NoUserAgent,
        NoAcceptLanguage, FetchMetadata, Webdriver, TelemetryMissing,
    ];
}
