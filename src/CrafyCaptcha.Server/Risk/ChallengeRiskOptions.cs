namespace CrafyCaptcha.Server.Risk;

/// <summary>
/// The server-side risk engine's thresholds, weights, velocity budgets and address lists (configuration section
/// <c>CrafyChallengeServer:Risk</c>), validated at start-up.
/// </summary>
public sealed class ChallengeRiskOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "CrafyChallengeServer:Risk";

    /// <summary>The score every flow starts from (default 0.05).</summary>
    public double BaseScore { get; set; } = 0.05;

    /// <summary>
    /// The weight of each reason (see <see cref="RiskReasons"/>), between 0 and 1: what it adds to the score at full
    /// strength. Velocity and failures grow to full strength gradually.
    /// </summary>
    public IDictionary<string, double> Weights { get; } = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        [RiskReasons.VelocityIp] = 0.6,
        [RiskReasons.VelocityNetwork] = 0.3,
        [RiskReasons.NetworkRotation] = 0.6,
        [RiskReasons.RecentFailures] = 0.4,
        [RiskReasons.Datacenter] = 0.3,
        [RiskReasons.Tor] = 0.4,
        [RiskReasons.HeaderMismatch] = 0.3,
        [RiskReasons.AutomationUserAgent] = 0.4,
        [RiskReasons.NoUserAgent] = 0.5,
        [RiskReasons.NoAcceptLanguage] = 0.1,
        [RiskReasons.FetchMetadata] = 0.2,
        [RiskReasons.Webdriver] = 0.3,
        [RiskReasons.TelemetryMissing] = 0.2,
        [RiskReasons.AutomationAnnounced] = 0.45,
        [RiskReasons.WebdriverHidden] = 0.3,
        [RiskReasons.WindowImplausible] = 0.2,
        [RiskReasons.NativeCodePatched] = 0.1,
        [RiskReasons.NoPlugins] = 0.05,
        [RiskReasons.NoLanguages] = 0.1,
        [RiskReasons.CanvasMissing] = 0.3,
        [RiskReasons.CanvasUnexpected] = 0.1,
        [RiskReasons.TextScaled] = 0.05,
        [RiskReasons.AccessiblePath] = 0.2,
        [RiskReasons.TurnstileUnavailable] = 0.45,
    };

    /// <summary>The sliding window over which challenge loads and failures are counted (default 10 minutes).</summary>
    public TimeSpan VelocityWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Challenge loads per IP address and window that add nothing (default 8).</summary>
    public int IpFreeLoads { get; set; } = 8;

    /// <summary>Loads past <see cref="IpFreeLoads"/> until <c>velocity_ip</c> has its full weight (default 6).</summary>
    public int IpLoadsToFullWeight { get; set; } = 6;

    /// <summary>Challenge loads per network (/24, /48) and window that add nothing (default 40).</summary>
    public int NetworkFreeLoads { get; set; } = 40;

    /// <summary>Loads past <see cref="NetworkFreeLoads"/> until <c>velocity_network</c> has its full weight (default 40).</summary>
    public int NetworkLoadsToFullWeight { get; set; } = 40;

    /// <summary>
    /// Distinct hosts (IPv4 addresses, IPv6 /64s) per site (IPv4 /24, IPv6 /56) and window that add nothing (default 8): a
    /// household or small office. Past it <c>network_rotation</c> grows as <c>velocity_ip</c> does for one address.
    /// </summary>
    public int NetworkFreeAddresses { get; set; } = 8;

    /// <summary>Hosts past <see cref="NetworkFreeAddresses"/> until <c>network_rotation</c> has its full weight (default 6).</summary>
    public int NetworkAddressesToFullWeight { get; set; } = 6;

    /// <summary>Refused answers per IP address and window that add nothing (default 2).</summary>
    public int FreeFailures { get; set; } = 2;

    /// <summary>Failures past <see cref="FreeFailures"/> until <c>recent_failures</c> has its full weight (default 6).</summary>
    public int FailuresToFullWeight { get; set; } = 6;

    /// <summary>
    /// Past this many challenge loads per IP address and window, loads are refused outright with 429 and
    /// <c>Retry-After</c> (default 600: far beyond an office behind one address, which gets harder steps instead).
    /// </summary>
    public int IpLoadsRefused { get; set; } = 600;

    /// <summary>
    /// Challenge loads one address may make per minute on this instance (default 120; an IPv6 client is its /64, and its /24 or /48 network gets five times
    /// that); past it, 429 with <c>Retry-After</c>. A flood guard: the velocity reasons raise friction long before.
    /// </summary>
    public int ChallengeLoadsPerMinute { get; set; } = 120;

    /// <summary>Answers one address may post per minute on this instance (default 120; its network five times that).</summary>
    public int AnswersPerMinute { get; set; } = 120;

    /// <summary>In <c>auto</c> mode, a score at or above this asks the checkbox (default 0.5).</summary>
    public double CheckboxThreshold { get; set; } = 0.5;

    /// <summary>A score at or above this asks the slider puzzle (default 0.7).</summary>
    public double SliderThreshold { get; set; } = 0.7;

    /// <summary>A score at or above this asks the connect puzzle (default 0.85).</summary>
    public double ConnectThreshold { get; set; } = 0.85;

    /// <summary>
    /// A <c>hidden</c> flow stays invisible below this score; at or above it a flood gets an interactive step anyway
    /// (default 0.6).
    /// </summary>
    public double HiddenModeInteractiveThreshold { get; set; } = 0.6;

    /// <summary>
    /// How much the proof-of-work search space grows from risk 0 to risk 1 (default 100: <c>PowMaxNumber × 100^score</c>).
    /// </summary>
    public double PowGrowth { get; set; } = 100;

    /// <summary>
    /// The extra proof-of-work a checkbox pass made with the keyboard or by touch costs, as a share of the flow's own
    /// (default 1: as much again; 0 turns it off). A key press or a tap is the cheapest trail to forge (a pointer's path
    /// is not), so on the checkbox rung, which only an elevated score reaches, those passes pay in work instead; the
    /// page carries the extra challenge and solves it after the key press or tap.
    /// </summary>
    public double KeyboardOrTouchWorkFactor { get; set; } = 1;

    /// <summary>
    /// How many times one address (an IPv6 /64) may take the puzzles' accessible path in <see cref="AccessiblePathWindow"/>
    /// (default 3); past it the person is asked to try the picture or come back later (<c>accessible_path_limited</c>).
    /// </summary>
    public int AccessiblePathsPerAddress { get; set; } = 3;

    /// <summary>The same for a network (/24, /48) (default 10): a script rotating its address inside one network.</summary>
    public int AccessiblePathsPerNetwork { get; set; } = 10;

    /// <summary>The sliding window the accessible path is counted over (default 1 hour).</summary>
    public TimeSpan AccessiblePathWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>An answer that arrives sooner than this after the challenge page was served is refused as scripted (default 40 ms).</summary>
    public TimeSpan MinimumSolveTime { get; set; } = TimeSpan.FromMilliseconds(40);

    /// <summary>A file of datacenter networks (one CIDR per line, <c>#</c> comments); reloaded when it changes.</summary>
    public string? DatacenterListPath { get; set; }

    /// <summary>A file of Tor exit addresses or networks; reloaded when it changes.</summary>
    public string? TorListPath { get; set; }

    /// <summary>A file of networks that are refused outright (403); reloaded when it changes.</summary>
    public string? DenyListPath { get; set; }
}
