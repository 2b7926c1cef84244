using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CrafyCaptcha.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using NSec.Cryptography;

namespace CrafyCaptcha.Benchmarks;

/// <summary>
/// The SDK core on one thread: VerifyFlow and CreateFlow with the default (in-memory distributed cache) store,
/// next to the bare primitives every verification needs (HMAC-SHA256 of the payload, XChaCha20-Poly1305 open of the nonce).
/// Each VerifyFlow invocation verifies a different, valid token whose nonce was stored in the iteration setup.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class SdkBenchmarks
{
    private const int Tokens = 20_000;
    private const string Secret = BenchmarkTokens.Secret;

    private ServiceProvider _provider = null!;
    private ICrafyCaptcha _captcha = null!;
    private INonceStore _store = null!;
    private string[] _nonces = null!;
    private string[] _tokens = null!;
    private string _forgedToken = null!;
    private int _next;
    private SecretBox _box = null!;
    private byte[] _payloadUtf8 = null!;
    private byte[] _hmacKey = null!;
    private readonly byte[] _mac = new byte[32];
    private Key _aeadKey = null!;
    private byte[] _aeadNonce = null!;
    private byte[] _aeadCiphertext = null!;
    private readonly byte[] _aeadPlaintext = new byte[64];

    /// <summary>One job, in process (the in-process emit toolchain): 3 warm-up and 10 measured iterations of 20,000 calls.</summary>
    private sealed class InProcessConfig : BenchmarkDotNet.Configs.ManualConfig
    {
        public InProcessConfig() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10).WithInvocationCount(Tokens))
            .AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median, BenchmarkDotNet.Columns.StatisticColumn.Min);
    }

    [GlobalSetup]
    public void GlobalSetup()
    {
        var services = new ServiceCollection();
        services.AddCrafyCaptchaCore(o => o.SecretKey = Secret);
        _provider = services.BuildServiceProvider();
        _captcha = _provider.GetRequiredService<ICrafyCaptcha>();
        _store = _provider.GetRequiredService<INonceStore>();

        var box = _box = new SecretBox(Secret);
        _nonces = new string[Tokens];
        _tokens = new string[Tokens];
        for (int i = 0; i < Tokens; i++)
        {
            _nonces[i] = BenchmarkTokens.NewNonce();
            _tokens[i] = BenchmarkTokens.Token(box, _nonces[i]);
        }

        string payload = BenchmarkTokens.Payload(box, _nonces[0]);
        _forgedToken = BenchmarkTokens.Envelope(payload, new string('0', 64));
        _payloadUtf8 = Encoding.UTF8.GetBytes(payload);
        _hmacKey = Encoding.UTF8.GetBytes(Secret);

        byte[] keyBytes = NSec.Cryptography.HashAlgorithm.Blake2b_256.Hash(_hmacKey);
        _aeadKey = Key.Import(AeadAlgorithm.XChaCha20Poly1305, keyBytes, KeyBlobFormat.RawSymmetricKey);
        _aeadNonce = RandomNumberGenerator.GetBytes(24);
        _aeadCiphertext = AeadAlgorithm.XChaCha20Poly1305.Encrypt(_aeadKey, _aeadNonce, default, Encoding.ASCII.GetBytes(_nonces[0]));
    }

    [IterationSetup(Targets = [nameof(VerifyFlow), nameof(StoreConsume)])]
    public void StoreNonces()
    {
        _next = 0;
        foreach (string nonce in _nonces)
        {
            _store.StoreAsync(nonce, null, TimeSpan.FromMinutes(20)).AsTask().GetAwaiter().GetResult();
        }

        // A real server stored these nonces minutes before their tokens arrive: by then the entries live in the
        // oldest GC generation. Without this, the first collections during the measurement promote 20,000 entries
        // the setup just made, and that copying is charged to the verifications.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Benchmark(Description = "VerifyFlow (valid token, default store)")]
    public bool VerifyFlow()
    {
        FlowVerification result = _captcha.VerifyFlowAsync(_tokens[_next++]).AsTask().GetAwaiter().GetResult();
        return result.IsValid ? true : throw new InvalidOperationException(result.ToString());
    }

    [IterationSetup(Target = nameof(StatelessChecks))]
    public void Rewind() => _next = 0;

    [Benchmark(Description = "Breakdown: stateless checks 1-7 (a different token each call)")]
    public bool StatelessChecks()
        => Protocol.CaptchaTokenReader.Check(_tokens[_next++], _box, DateTimeOffset.UtcNow, 8192).Failure == FlowFailure.None;

    [Benchmark(Description = "Breakdown: default store consume (a different nonce each call)")]
    public bool StoreConsume() => _store.TryConsumeAsync(_nonces[_next++]).AsTask().GetAwaiter().GetResult().Consumed;

    [Benchmark(Description = "VerifyFlow (forged signature, rejected)")]
    public bool VerifyForged() => _captcha.VerifyFlowAsync(_forgedToken).AsTask().GetAwaiter().GetResult().IsValid;

    [Benchmark(Description = "CreateFlow (default store)")]
    public string CreateFlow() => _captcha.CreateFlowAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "Primitive: HMAC-SHA256 of the payload")]
    public int Hmac() => HMACSHA256.HashData(_hmacKey, _payloadUtf8, _mac);

    [Benchmark(Description = "Primitive: XChaCha20-Poly1305 open of a nonce")]
    public bool AeadOpen() => AeadAlgorithm.XChaCha20Poly1305.Decrypt(_aeadKey, _aeadNonce, default, _aeadCiphertext, _aeadPlaintext);

    [GlobalCleanup]
    public void Cleanup()
    {
        _aeadKey.Dispose();
        _box.Dispose();
        _provider.Dispose();
    }
}
