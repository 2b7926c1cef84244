using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using System.Net;
using CrafyCaptcha.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Risk;

/// <summary>What the risk engine decided for one challenge load.</summary>
/// <param name="Score">0.0 (safe) to 1.0 (bot-like), from what the server observed.</param>
/// <param name="Reasons">The named reasons that raised it (see <see cref="RiskReasons"/>).</param>
/// <param name="Step">The rung of the ladder the flow must climb.</param>
/// <param name="PowMaxNumber">The proof-of-work search space for this score.</param>
/// <param name="Refusal">An outright refusal (403 deny list, 429 flood), or <see langword="null"/>.</param>
/// <param name="Counts">What the velocity reasons counted (for the Development hint, <see cref="RiskHint"/>).</param>
internal sealed record RiskAssessment(double Score, IReadOnlyList<string> Reasons, ChallengeStep Step, int PowMaxNumber, Refusal? Refusal = null, RiskCounts? Counts = null);

/// <summary>The client's counts over the velocity window that the assessment weighed.</summary>
internal sealed record RiskCounts(long IpLoads, long NetworkLoads, long NetworkHosts, long Failures);

/// <summary>An outright refusal of a challenge load: its status, and for a 429 when the client may come back.</summary>
internal sealed record Refusal(int Status, TimeSpan RetryAfter);

/// <summary>
/// The server-side risk engine (the seed's risk matrix): request velocity per IP and per network over sliding windows
/// kept in the engine's shared state (every instance agrees), recent refusals, datacenter/Tor/deny lists, header
/// consistency and the client's telemetry — which may raise the score, never lower it. The score picks the rung of the
/// escalation ladder (invisible → checkbox → slider → connect) and the proof-of-work difficulty; outright refusals only
/// at the extremes (a denied network: 403; a flood far beyond any office: 429 with <c>Retry-After</c>).
/// </summary>
internal sealed partial class RiskEngine : IDisposable
{
    private const string MarkersPrefix = "markers:";
    private static readonly ReadOnlyMemory<byte> SeenMark = new byte[] { 1 };
    private readonly IChallengeStateStore _counters;
    private readonly AddressLists _lists;
    private readonly ChallengeRiskOptions _options;
    private readonly int _powBase;
    private readonly TimeProvider _time;
    private readonly ILogger<RiskEngine> _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _reasonCounter;
    private readonly Counter<long> _stepCounter;
    private readonly Histogram<double> _scoreHistogram;

    public RiskEngine(IChallengeStateStore counters, AddressLists lists, IOptions<ChallengeServerOptions> server, TimeProvider time, IMeterFactory meters, ILogger<RiskEngine> logger)
    {
        _counters = counters;
        _lists = lists;
        _options = server.Value.Risk;
        _powBase = server.Value.PowMaxNumber;
        _time = time;
        _logger = logger;
        _meter = meters.Create("CrafyCaptcha.Server");
        _reasonCounter = _meter.CreateCounter<long>("crafy_captcha.engine.risk_reasons", description: "Risk reasons raised on challenge loads (tag reason).");
        _stepCounter = _meter.CreateCounter<long>("crafy_captcha.engine.steps", description: "Challenge loads by ladder step (tag step), refusals included (tag step=refused).");
        _scoreHistogram = _meter.CreateHistogram<double>("crafy_captcha.engine.risk_score", description: "Risk score of challenge loads.");
    }

    /// <summary>Records one challenge load and decides its score, step and difficulty.</summary>
    /// <param name="signals">What the challenge request shows about its client.</param>
    /// <param name="telemetry">The client's telemetry from <c>cdweo</c>, if any.</param>
    /// <param name="mode">The flow's mode: <c>auto</c>, <c>hidden</c> or <c>puzzle</c>.</param>
    /// <param name="puzzles">The puzzles the flow allows, in order (empty: checkbox, slider, connect).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async ValueTask<RiskAssessment> AssessLoadAsync(RiskSignals signals, JsonElement? telemetry, string mode, IReadOnlyList<string> puzzles, CancellationToken cancellationToken)
    {
        ClientAddress client = ClientAddress.From(signals.RemoteAddress);
        if (_lists.Deny?.Contains(client.Address) == true)
        {
            return Refuse(StatusCodes.Status403Forbidden, TimeSpan.Zero, "deny_list");
        }

        // Three independent counters: asked at once, so a Redis-backed store costs one round trip of latency, not six.
        ValueTask<long> ipCount = CountAsync("load-ip:" + client.AddressKey, add: true, cancellationToken);
        ValueTask<long> networkCount = CountAsync("load-net:" + client.NetworkKey, add: true, cancellationToken);
        ValueTask<long> failureCount = CountAsync("fail-ip:" + client.AddressKey, add: false, cancellationToken);
        ValueTask<long> hostCount = CountHostsAsync(client, cancellationToken);
        ValueTask<byte[]?> markers = _counters.GetAsync(MarkersPrefix + client.AddressKey, cancellationToken);
        long ipLoads = await ipCount.ConfigureAwait(false);
        long networkLoads = await networkCount.ConfigureAwait(false);
        long failures = await failureCount.ConfigureAwait(false);
        long networkHosts = await hostCount.ConfigureAwait(false);
        byte[]? remembered = await markers.ConfigureAwait(false);
        var counts = new RiskCounts(ipLoads, networkLoads, networkHosts, failures);
        if (ipLoads > _options.IpLoadsRefused)
        {
            return Refuse(StatusCodes.Status429TooManyRequests, _options.VelocityWindow, "velocity_ip") with { Counts = counts };
        }

        var reasons = new List<string>();
        double score = _options.BaseScore;
        score += Ramp(reasons, RiskReasons.VelocityIp, ipLoads, _options.IpFreeLoads, _options.IpLoadsToFullWeight);
        score += Ramp(reasons, RiskReasons.VelocityNetwork, networkLoads, _options.NetworkFreeLoads, _options.NetworkLoadsToFullWeight);
        score += Ramp(reasons, RiskReasons.NetworkRotation, networkHosts, _options.NetworkFreeAddresses, _options.NetworkAddressesToFullWeight);
        score += Ramp(reasons, RiskReasons.RecentFailures, failures, _options.FreeFailures, _options.FailuresToFullWeight);
        if (_lists.Datacenter?.Contains(client.Address) == true)
        {
            reasons.Add(RiskReasons.Datacenter);
            score += Weight(RiskReasons.Datacenter);
        }

        if (_lists.Tor?.Contains(client.Address) == true)
        {
            reasons.Add(RiskReasons.Tor);
            score += Weight(RiskReasons.Tor);
        }

        var observed = new List<string>();
        RequestSignals.Collect(signals, telemetry, observed);
        // Automation markers the instrumentation program reported from this address lately (see RememberMarkersAsync).
        observed.AddRange(Markers(remembered));

        foreach (string reason in observed.Distinct(StringComparer.Ordinal))
        {
            reasons.Add(reason);
            score += Weight(reason);
        }

        score = Math.Round(Math.Clamp(score, 0, 1), 2);
        ChallengeStep step = StepFor(score, mode, puzzles);
        int maxNumber = (int)Math.Min(int.MaxValue, Math.Round(_powBase * Math.Pow(_options.PowGrowth, score)));
        foreach (string reason in reasons)
        {
            _reasonCounter.Add(1, new KeyValuePair<string, object?>("reason", reason));
        }

        _stepCounter.Add(1, new KeyValuePair<string, object?>("step", StepName(step)));
        _scoreHistogram.Record(score);
        LogAssessed(_logger, score, StepName(step), maxNumber, string.Join(',', reasons));
        return new RiskAssessment(score, reasons, step, maxNumber, Counts: counts);
    }

    /// <summary>Counts a refused answer (wrong, forged, replayed, too fast, no evidence) against the client's address.</summary>
    public async ValueTask RecordFailureAsync(IPAddress? remoteAddress, string reason, CancellationToken cancellationToken)
    {
        ClientAddress client = ClientAddress.From(remoteAddress);
        await CountAsync("fail-ip:" + client.AddressKey, add: true, cancellationToken).ConfigureAwait(false);
        LogFailureRecorded(_logger, reason);
    }

    /// <summary>
    /// Counts one use of the puzzles' accessible path for the client's address and network (over
    /// <see cref="ChallengeRiskOptions.AccessiblePathWindow"/>): whether it is within
    /// <see cref="ChallengeRiskOptions.AccessiblePathsPerAddress"/> and <see cref="ChallengeRiskOptions.AccessiblePathsPerNetwork"/>.
    /// Refused tries count too, so asking again does not help.
    /// </summary>
    public async ValueTask<bool> TryTakeAccessiblePathAsync(IPAddress? remoteAddress, CancellationToken cancellationToken)
    {
        ClientAddress client = ClientAddress.From(remoteAddress);
        long address = await CountAsync("access-ip:" + client.AddressKey, add: true, cancellationToken, _options.AccessiblePathWindow).ConfigureAwait(false);
        long network = await CountAsync("access-net:" + client.NetworkKey, add: true, cancellationToken, _options.AccessiblePathWindow).ConfigureAwait(false);
        return address <= _options.AccessiblePathsPerAddress && network <= _options.AccessiblePathsPerNetwork;
    }

    /// <summary>
    /// Remembers the automation markers an answer's instrumentation program showed for this address (for
    /// <see cref="ChallengeRiskOptions.VelocityWindow"/>): the client's next challenge loads are assessed with them, so an
    /// invisible flow refused for them comes back on an interactive rung, and its token names them. Added to the markers
    /// already remembered (a later refusal for another reason does not wipe out an earlier one); the window starts again.
    /// </summary>
    public async ValueTask RememberMarkersAsync(IPAddress? remoteAddress, IEnumerable<string> markers, CancellationToken cancellationToken)
    {
        string key = MarkersPrefix + ClientAddress.From(remoteAddress).AddressKey;
        byte[]? remembered = await _counters.GetAsync(key, cancellationToken).ConfigureAwait(false);
        string all = string.Join(',', Markers(remembered).Concat(markers).Distinct(StringComparer.Ordinal));
        await _counters.SetAsync(key, System.Text.Encoding.UTF8.GetBytes(all), _options.VelocityWindow, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The known reasons in a remembered marker list (comma-separated UTF-8; anything else is ignored).</summary>
    private static IEnumerable<string> Markers(byte[]? remembered)
        => remembered is null ? [] : System.Text.Encoding.UTF8.GetString(remembered).Split(',', StringSplitOptions.RemoveEmptyEntries).Where(RiskReasons.All.Contains);

    /// <summary>A flow's score with more reasons at full weight (rounded, at most 1).</summary>
    public double ScoreWith(double score, IEnumerable<string> reasons)
        => Math.Round(Math.Clamp(score + reasons.Sum(Weight), 0, 1), 2);

    /// <summary>The ladder's rung for a score, a mode and the puzzles a flow allows.</summary>
    internal ChallengeStep StepFor(double score, string mode, IReadOnlyList<string> puzzles)
    {
        ChallengeStep ladder = score >= _options.ConnectThreshold ? ChallengeStep.Connect
            : score >= _options.SliderThreshold ? ChallengeStep.Slider
            : score >= _options.CheckboxThreshold ? ChallengeStep.Checkbox
            : ChallengeStep.Invisible;
        switch (mode)
        {
            case "hidden" when score < _options.HiddenModeInteractiveThreshold:
                return ChallengeStep.Invisible;
            case "hidden" or "puzzle" when ladder == ChallengeStep.Invisible:
                ladder = ChallengeStep.Checkbox; // a forced puzzle, or a hidden flow past its threshold
                break;
        }

        if (ladder == ChallengeStep.Invisible || puzzles.Count == 0)
        {
            return ladder;
        }

        // The seed: "the higher the Risk Score, the more the user progresses through the puzzles in this list".
        int rung = Math.Min((int)ladder - 1, puzzles.Count - 1);
        return puzzles[rung] switch
        {
            "slider" => ChallengeStep.Slider,
            "connect" => ChallengeStep.Connect,
            _ => ChallengeStep.Checkbox,
        };
    }

    internal static string StepName(ChallengeStep step) => step switch
    {
        ChallengeStep.Invisible => "invisible",
        ChallengeStep.Checkbox => "checkbox",
        ChallengeStep.Slider => "slider",
        _ => "connect",
    };

    private RiskAssessment Refuse(int status, TimeSpan retryAfter, string reason)
    {
        _stepCounter.Add(1, new KeyValuePair<string, object?>("step", "refused"));
        LogRefused(_logger, status, reason);
        return new RiskAssessment(1, [reason], ChallengeStep.Connect, 0, new Refusal(status, retryAfter));
    }

    private double Weight(string reason) => _options.Weights.TryGetValue(reason, out double w) ? w : 0;

    private double Ramp(List<string> reasons, string reason, long count, int free, int toFull)
    {
        if (count <= free)
        {
            return 0;
        }

        reasons.Add(reason);
        return Weight(reason) * Math.Min(1.0, (count - free) / (double)toFull);
    }

    /// <summary>
    /// A sliding window from two fixed windows: this window's count plus the previous one's, weighted by how much of
    /// it still overlaps the sliding window. Every instance sharing the state store agrees.
    /// </summary>
    /// <summary>
    /// How many distinct hosts of the client's site (IPv4 /24, IPv6 /56) loaded challenges in the sliding window: the
    /// first load of a host in a fixed window adds it (a one-use mark per host and window), later ones only read the
    /// count. A host seen in both windows is one host, so the window's figure is the larger of this window's count and
    /// the previous one's weighted share, never their sum.
    /// </summary>
    private async ValueTask<long> CountHostsAsync(ClientAddress client, CancellationToken cancellationToken)
    {
        long windowTicks = _options.VelocityWindow.Ticks;
        long now = _time.GetUtcNow().UtcTicks;
        long index = now / windowTicks;
        string site = client.SiteKey;
        string seen = string.Create(CultureInfo.InvariantCulture, $"seen:{site}:{client.AddressKey}:{index}");
        bool first = await _counters.TryAddAsync(seen, SeenMark, _options.VelocityWindow * 2, cancellationToken).ConfigureAwait(false);
        string current = string.Create(CultureInfo.InvariantCulture, $"v:hosts:{site}:{index}");
        long here = first
            ? await _counters.IncrementAsync(current, _options.VelocityWindow * 2, cancellationToken).ConfigureAwait(false)
            : await _counters.GetCountAsync(current, cancellationToken).ConfigureAwait(false);
        long before = await _counters.GetCountAsync(string.Create(CultureInfo.InvariantCulture, $"v:hosts:{site}:{index - 1}"), cancellationToken).ConfigureAwait(false);
        return Math.Max(here, (long)Math.Floor(before * (1 - ((now % windowTicks) / (double)windowTicks))));
    }

    private async ValueTask<long> CountAsync(string key, bool add, CancellationToken cancellationToken, TimeSpan? window = null)
    {
        TimeSpan span = window ?? _options.VelocityWindow;
        long windowTicks = span.Ticks;
        long now = _time.GetUtcNow().UtcTicks;
        long index = now / windowTicks;
        double elapsed = (now % windowTicks) / (double)windowTicks;
        string current = string.Create(CultureInfo.InvariantCulture, $"v:{key}:{index}");
        string previous = string.Create(CultureInfo.InvariantCulture, $"v:{key}:{index - 1}");
        TimeSpan keep = span * 2;
        long here = add
            ? await _counters.IncrementAsync(current, keep, cancellationToken).ConfigureAwait(false)
            : await _counters.GetCountAsync(current, cancellationToken).ConfigureAwait(false);
        long before = await _counters.GetCountAsync(previous, cancellationToken).ConfigureAwait(false);
        return here + (long)Math.Floor(before * (1 - elapsed));
    }

    public void Dispose() => _meter.Dispose();

    [LoggerMessage(130, LogLevel.Debug, "CrafyCAPTCHA risk {Score} → {Step} (proof-of-work up to {MaxNumber}); reasons: {Reasons}.", EventName = "RiskAssessed")]
    private static partial void LogAssessed(ILogger logger, double score, string step, int maxNumber, string reasons);

    [LoggerMessage(131, LogLevel.Warning, "CrafyCAPTCHA refused a challenge load with {Status} ({Reason}).", EventName = "RiskRefused")]
    private static partial void LogRefused(ILogger logger, int status, string reason);

    [LoggerMessage(132, LogLevel.Information, "CrafyCAPTCHA refused an answer ({Reason}); counted against the client.", EventName = "AnswerFailureRecorded")]
    private static partial void LogFailureRecorded(ILogger logger, string reason);
}
