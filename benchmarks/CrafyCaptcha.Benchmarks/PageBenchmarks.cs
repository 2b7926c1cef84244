extern alias engine;

using System.Text.Json;
using BenchmarkDotNet.Attributes;
using engine::CrafyCaptcha.Server.Credentials;
using engine::CrafyCaptcha.Server.Instrumentation;
using engine::CrafyCaptcha.Server.Pow;
using engine::CrafyCaptcha.Server.Protocol;
using engine::CrafyCaptcha.Server.Rendering;
using Microsoft.AspNetCore.Http;

namespace CrafyCaptcha.Benchmarks;

/// <summary>
/// The challenge page of an invisible flow, written and gzipped for a browser (the fixed pieces deflated once, the flow's
/// own deflated per page: see <c>GzipPage</c>), without and with the flow's inline instrumentation program. The setup
/// prints each page's size on the wire.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class PageBenchmarks
{
    private ChallengePageModel _plain = null!;
    private ChallengePageModel _withProgram = null!;
    private ServedCredential _credential = null!;

    [GlobalSetup]
    public void Setup()
    {
        _credential = new ServedCredential(CredentialStore.NewCredential());
        const string Flow = "8d0f5a2c-0000-4000-8000-000000000001";
        PowChallenge pow = PowChallenge.Create(_credential.PowKey, Flow, _credential.Credential.PublicKey, 25_184, DateTimeOffset.UtcNow.AddMinutes(5), parts: 8);
        string powJson = JsonSerializer.Serialize(pow);
        SignedMessage handshake = ChallengeMessages.Handshake(_credential, Flow, DateTimeOffset.UtcNow);
        _plain = new ChallengePageModel("https://shop.example", "/crafy/challenge", Flow, powJson, false, handshake, "auto", null, null, null, null);
        _withProgram = _plain with { ProgramScript = ProgramGenerator.Generate().Script };
        Console.WriteLine($"// page on the wire: program off {Gzipped(_plain)} B, on {Gzipped(_withProgram)} B");
    }

    private static int Gzipped(ChallengePageModel model)
    {
        DefaultHttpContext http = NewContext();
        var result = (Microsoft.AspNetCore.Http.HttpResults.FileContentHttpResult)ChallengePageRenderer.ChallengePage(http, model);
        return result.FileContents.Length;
    }

    private static DefaultHttpContext NewContext()
    {
        var http = new DefaultHttpContext();
        http.Request.Headers.AcceptEncoding = "gzip, deflate, br";
        return http;
    }

    [Benchmark(Description = "Write and gzip the challenge page (invisible, program off)")]
    public object PagePlain() => ChallengePageRenderer.ChallengePage(NewContext(), _plain);

    [Benchmark(Description = "Write and gzip the challenge page (invisible, its program inline)")]
    public object PageWithProgram() => ChallengePageRenderer.ChallengePage(NewContext(), _withProgram);

    [GlobalCleanup]
    public void Cleanup() => _credential.Dispose();
}
