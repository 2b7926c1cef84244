namespace CrafyCaptcha.Server.Risk;

/// <summary>
/// The named reasons a flow's risk score rose, as logged, counted (metric tag <c>reason</c>) and carried in the token
/// payload (<c>risk_reasons</c>). Each has a weight in <see cref="ChallengeRiskOptions.Weights"/>.
/// </summary>
public static class RiskReasons
{
    /// <summary>Many challenge loads from this IP address (IPv6: its /64) within the velocity window.</summary>
    public const string VelocityIp = "velocity_ip";

    /// <summary>Many challenge loads from this network (/24 IPv4, /48 IPv6) within the velocity window.</summary>
    public const string VelocityNetwork = "velocity_network";

    /// <summary>
    /// Many distinct hosts (IPv4 addresses, IPv6 /64s) of this site (IPv4 /24, IPv6 /56) loaded challenges within the velocity
    /// window: a client rotating its address inside one network, which then climbs the ladder as one address does.
    /// </summary>
    public const string NetworkRotation = "network_rotation";

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

    /// <summary>
    /// The instrumentation program, inside the engine's iframe, saw announced automation: <c>navigator.webdriver</c> true
    /// or <c>HeadlessChrome</c> in <c>navigator.userAgent</c>. Its weight lifts an invisible flow to the checkbox.
    /// </summary>
    public const string AutomationAnnounced = "automation_announced";

    /// <summary>The program found <c>navigator.webdriver</c> deleted (every current browser has it): a stealth patch.</summary>
    public const string WebdriverHidden = "webdriver_hidden";

    /// <summary>The program saw a window larger than the screen, or a window without size (headless shells).</summary>
    public const string WindowImplausible = "window_implausible";

    /// <summary>The program found native functions (canvas, layout, <c>toString</c>) patched; privacy tools do it too, so it weighs little.</summary>
    public const string NativeCodePatched = "native_code_patched";

    /// <summary>The program saw no plugins and no MIME types; mobile and privacy-minded browsers too, so it weighs little.</summary>
    public const string NoPlugins = "no_plugins";

    /// <summary>The program saw <c>navigator.languages</c> empty.</summary>
    public const string NoLanguages = "no_languages";

    /// <summary>The program found no 2D canvas context (or the canvas threw): a DOM without a canvas, or a browser with canvas disabled.</summary>
    public const string CanvasMissing = "canvas_missing";

    /// <summary>The program's canvas read back other pixels than the ones it painted: privacy tools add such noise on purpose, so it weighs little.</summary>
    public const string CanvasUnexpected = "canvas_unexpected";

    /// <summary>
    /// The program saw font sizes scaled on their own (a text-only zoom: Firefox's, or the system's text scale it
    /// follows), so its reads that depend on a font size were not checked. People who need larger text do this.
    /// </summary>
    public const string TextScaled = "text_scaled";

    /// <summary>
    /// The flow was passed by the puzzles' accessible path (a longer proof-of-work instead of the picture): people who
    /// cannot see it take it, and so does a script that cannot read it, so it is limited and carried in the token.
    /// </summary>
    public const string AccessiblePath = "accessible_path";

    /// <summary>
    /// Cloudflare Turnstile's <c>siteverify</c> did not answer in time for this address's last invisible flow (or, in a
    /// token, for this interactive flow): the person got an interactive step instead of being locked out.
    /// </summary>
    public const string TurnstileUnavailable = "turnstile_unavailable";

    /// <summary>All reasons that carry a weight, in a stable order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        VelocityIp, VelocityNetwork, NetworkRotation, RecentFailures, Datacenter, Tor, HeaderMismatch, AutomationUserAgent, NoUserAgent,
        NoAcceptLanguage, FetchMetadata, Webdriver, TelemetryMissing, AutomationAnnounced, WebdriverHidden, WindowImplausible,
        NativeCodePatched, NoPlugins, NoLanguages, CanvasMissing, CanvasUnexpected, TextScaled, AccessiblePath, TurnstileUnavailable,
    ];
}
