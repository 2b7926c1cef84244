extern alias engine;

using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using CrafyCaptcha.Internal;
using engine::CrafyCaptcha.Server;
using engine::CrafyCaptcha.Server.Risk;
using engine::CrafyCaptcha.Server.State;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Benchmarks;

/// <summary>
/// What the defences cost the server per challenge load or answer, on one thread (issue 22, item 5): the risk
/// assessment with its velocity, network and distinct-host counters (in-memory engine state, each load from another
/// address of one /24, so the counters grow as under a rotation attack), the trail check against the server's clock,
/// and the visitor binding's keyed hash and check.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class DefenceBenchmarks
{
    private InMemoryChallengeStateStore _state = null!;
    private RiskEngine _risk = null!;
    private DummyMeterFactory _meters = null!;
    private VisitorBinding _visitors = null!;
    private System.Text.Json.Nodes.JsonObject _boundContext = null!;
    private JsonElement _trail;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var server = Options.Create(new ChallengeServerOptions());
        _state = new InMemoryChallengeStateStore(Options.Create(new ChallengeStateOptions()), TimeProvider.System, NullLogger<InMemoryChallengeStateStore>.Instance);
        _meters = new DummyMeterFactory();
        _risk = new RiskEngine(_state, new AddressLists(server, NullLogger<AddressLists>.Instance), server, TimeProvider.System, _meters, NullLogger<RiskEngine>.Instance);
        _visitors = new VisitorBinding(BenchmarkTokens.Secret);
        _boundContext = new() { ["policy"] = "comments", ["crafy_visitor"] = _visitors.Hash("Jm9yZ2V0LW1lLW5vdC0xMjM") };
        var events = new List<double[]>();
        double t = 420;
        for (int i = 0; i < 40; i++)
        {
            t += 9 + (i % 7);
            events.Add([0, t, 10 + (i * 3.1), 40 - (i % 5)]);
        }

        events.Add([1, t + 120, 134, 37]);
        events.Add([2, t + 210, 134, 37]);
        _trail = JsonSerializer.SerializeToElement(new { kind = "pointer", events });
    }

    [Benchmark(Description = "Risk assessment of a challenge load (velocity, network, distinct hosts, lists, headers)")]
    public async Task<double> AssessLoad()
    {
        int n = Interlocked.Increment(ref _next);
        var signals = new RiskSignals(new IPAddress([10, 20, (byte)(n >> 8), (byte)n]), "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0", "en-US", "\"Chromium\";v=\"131\"", "iframe", "navigate", true);
        return (await _risk.AssessLoadAsync(signals, null, "hidden", [], CancellationToken.None)).Score;
    }

    [Benchmark(Description = "Judge an interaction trail (42 events) against the server's clock")]
    public string? JudgeTrail() => InteractionEvidence.Judge(_trail, TimeSpan.FromSeconds(3));

    [Benchmark(Description = "Visitor binding: hash a visitor and check a bound flow's context")]
    public bool VisitorCheck() => _visitors.Matches(_boundContext, "Jm9yZ2V0LW1lLW5vdC0xMjM");

    [GlobalCleanup]
    public void Cleanup()
    {
        _risk.Dispose();
        _meters.Dispose();
    }

    private sealed class DummyMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
