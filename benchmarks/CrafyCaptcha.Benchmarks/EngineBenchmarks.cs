extern alias engine;

using BenchmarkDotNet.Attributes;
using engine::CrafyCaptcha.Server.Credentials;
using engine::CrafyCaptcha.Server.Flows;
using engine::CrafyCaptcha.Server.Pow;
using engine::CrafyCaptcha.Server.Protocol;

namespace CrafyCaptcha.Benchmarks;

/// <summary>The challenge engine's per-flow work on one thread: issuing a proof-of-work challenge, checking an answer, issuing the signed token.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class EngineBenchmarks
{
    private ServedCredential _credential = null!;
    private PowChallenge _challenge = null!;
    private long _answer;
    private FlowRecord _flow = null!;
    private PowSolution _split = null!;
    private PowSolution[] _splitOthers = null!;

    [GlobalSetup]
    public void Setup()
    {
        _credential = new ServedCredential(CredentialStore.NewCredential());
        _challenge = PowChallenge.Create(_credential.PowKey, Guid.NewGuid().ToString(), _credential.Credential.PublicKey, 20_000, DateTimeOffset.UtcNow.AddMinutes(5));
        for (long n = 0; ; n++)
        {
            if (PowChallenge.Hash(_challenge.Salt!, n) == _challenge.Challenge)
            {
                _answer = n;
                break;
            }
        }

        // A flow's own work: eight parts (the default PowParts), each answered.
        PowChallenge split = PowChallenge.Create(_credential.PowKey, SplitFlow, _credential.Credential.PublicKey, 25_184, DateTimeOffset.UtcNow.AddHours(1), parts: 8);
        PowSolution[] answers = [.. new[] { split }.Concat(split.Parts!).Select(Solve)];
        (_split, _splitOthers) = (answers[0], answers[1..]);

        _flow = new FlowRecord(_credential.Credential.PublicKey, new string('a', 64), "auto", 0.1, "invisible", [], 0, "http://localhost", "localhost");
    }

    [Benchmark(Description = "Issue a proof-of-work challenge (random salt, SHA-256, HMAC)")]
    public object IssueChallenge()
        => PowChallenge.Create(_credential.PowKey, "8d0f5a2c-0000-4000-8000-000000000000", _credential.Credential.PublicKey, 20_000, DateTimeOffset.UtcNow.AddMinutes(5));

    [Benchmark(Description = "Check an answer (HMAC + one SHA-256)")]
    public bool CheckAnswer()
        => PowChallenge.Sign(_credential.PowKey, _challenge.Challenge) == _challenge.Signature
            && PowChallenge.Hash(_challenge.Salt!, _answer) == _challenge.Challenge;

    [Benchmark(Description = "Issue a flow's proof-of-work (8 parts: salts, numbers, SHA-256, HMAC)")]
    public object IssueSplitChallenge()
        => PowChallenge.Create(_credential.PowKey, SplitFlow, _credential.Credential.PublicKey, 25_184, DateTimeOffset.UtcNow.AddMinutes(5), parts: 8);

    [Benchmark(Description = "Check a flow's 8-part answer (PowVerifier.CheckAll)")]
    public bool CheckSplitAnswer() => PowVerifier.CheckAll(_credential, _split, _splitOthers, SplitFlow, DateTimeOffset.UtcNow) is null;

    [Benchmark(Description = "Issue the token (seal nonce, HMAC, Ed25519 sign)")]
    public object IssueToken() => ChallengeMessages.Complete(_credential, "8d0f5a2c-0000-4000-8000-000000000000", _flow.Nonce, _flow.Risk, _flow.Step, _flow.Hostname, _flow.Reasons, DateTimeOffset.UtcNow.AddMinutes(5));

    private const string SplitFlow = "8d0f5a2c-0000-4000-8000-000000000001";

    private static PowSolution Solve(PowChallenge c)
    {
        for (long n = 0; ; n++)
        {
            if (PowChallenge.Hash(c.Salt!, n) == c.Challenge)
            {
                return new PowSolution(c.Algorithm, c.Challenge, n, c.Salt, c.Signature);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _credential.Dispose();
}
