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

        // The four velocity windows in one batch (one round trip to Redis) and the remembered markers beside it.
        long now = _time.GetUtcNow().UtcTicks;
        string network = client.NetworkKey, address = client.AddressKey;
        ValueTask<ChallengeWindowCount[]> windows = _counters.CountWindowsAsync(
        [
            Window(network, "load-ip", address, now, add: true),
            Window(network, "load-net", network, now, add: true),
            Window(network, "fail-ip", address, now, add: false),
            Window(network, "hosts", client.SiteKey, now, add: true, once: address),
        ], cancellationToken);
        ValueTask<byte[]?> markers = _counters.GetAsync(MarkersKey(network, address), cancellationToken);
        ChallengeWindowCount[] counted = await windows.ConfigureAwait(false);
        byte[]? remembered = await markers.ConfigureAwait(false);
        long ipLoads = Sliding(counted[0], now);
        long networkLoads = Sliding(counted[1], now);
        long failures = Sliding(counted[2], now);
        long networkHosts = Distinct(counted[3], now);
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
        await CountAsync(client, "fail-ip", client.AddressKey, cancellationToken).ConfigureAwait(false);
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
        long address = await CountAsync(client, "access-ip", client.AddressKey, cancellationToken, _options.AccessiblePathWindow).ConfigureAwait(false);
        long network = await CountAsync(client, "access-net", client.NetworkKey, cancellationToken, _options.AccessiblePathWindow).ConfigureAwait(false);
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
        ClientAddress client = ClientAddress.From(remoteAddress);
        string key = MarkersKey(client.NetworkKey, client.AddressKey);
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
    /// A counter of a sliding window made of two fixed windows, keyed by what it counts (<paramref name="name"/>) and
    /// whom (<paramref name="subject"/>). Every key of one client carries its network (<paramref name="tag"/>) as a
    /// <c>{hash tag}</c>, so a batch of them is one slot of a Redis Cluster. With <paramref name="once"/>, a load adds to
    /// the count only the first time that subject is seen in the window (distinct hosts of a site).
    /// </summary>
    private ChallengeWindowCounter Window(string tag, string name, string subject, long now, bool add, string? once = null, TimeSpan? window = null)
    {
        TimeSpan span = window ?? _options.VelocityWindow;
        long index = now / span.Ticks;
        return new ChallengeWindowCounter(
            string.Create(CultureInfo.InvariantCulture, $"v:{{{tag}}}:{name}:{subject}:{index}"),
            string.Create(CultureInfo.InvariantCulture, $"v:{{{tag}}}:{name}:{subject}:{index - 1}"),
            span * 2,
            add,
            once is null ? null : string.Create(CultureInfo.InvariantCulture, $"seen:{{{tag}}}:{name}:{subject}:{once}:{index}"));
    }

    /// <summary>
    /// A sliding window's count from its two fixed windows: this window's count plus the previous one's, weighted by how
    /// much of it still overlaps the sliding window. Every instance sharing the state store agrees.
    /// </summary>
    private long Sliding(ChallengeWindowCount count, long now, TimeSpan? window = null)
        => count.Current + (long)Math.Floor(count.Previous * (1 - Elapsed(now, window)));

    /// <summary>
    /// A count of distinct things (hosts of a site): a host seen in both windows is one host, so the figure is the larger
    /// of this window's count and the previous one's weighted share, never their sum.
    /// </summary>
    private long Distinct(ChallengeWindowCount count, long now)
        => Math.Max(count.Current, (long)Math.Floor(count.Previous * (1 - Elapsed(now, null))));

    private double Elapsed(long now, TimeSpan? window)
    {
        long ticks = (window ?? _options.VelocityWindow).Ticks;
        return (now % ticks) / (double)ticks;
    }

    /// <summary>Adds one to a sliding window and reads it.</summary>
    private async ValueTask<long> CountAsync(ClientAddress client, string name, string subject, CancellationToken cancellationToken, TimeSpan? window = null)
    {
        long now = _time.GetUtcNow().UtcTicks;
        ChallengeWindowCount[] counted = await _counters.CountWindowsAsync([Window(client.NetworkKey, name, subject, now, add: true, window: window)], cancellationToken).ConfigureAwait(false);
        return Sliding(counted[0], now, window);
    }

    private static string MarkersKey(string network, string address) => "markers:{" + network + "}:" + address;

    public void Dispose() => _meter.Dispose();

    [LoggerMessage(130, LogLevel.Debug, "CrafyCAPTCHA risk {Score} → {Step} (proof-of-work up to {MaxNumber}); reasons: {Reasons}.", EventName = "RiskAssessed")]
    private static partial void LogAssessed(ILogger logger, double score, string step, int maxNumber, string reasons);

    [LoggerMessage(131, LogLevel.Warning, "CrafyCAPTCHA refused a challenge load with {Status} ({Reason}).", EventName = "RiskRefused")]
    private static partial void LogRefused(ILogger logger, int status, string reason);

    [LoggerMessage(132, LogLevel.Information, "CrafyCAPTCHA refused an answer ({Reason}); counted against the client.", EventName = "AnswerFailureRecorded")]
    private static partial void LogFailureRecorded(ILogger logger, string reason);
}
