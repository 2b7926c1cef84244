using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Protocol;

namespace CrafyCaptcha.Benchmarks;

/// <summary>The stages of a verification on their own, to see where the time of VerifyFlow goes.</summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class PartsBenchmarks
{
    /// <summary>One job, in process (the in-process emit toolchain): 3 warm-up and 10 measured iterations.</summary>
    private sealed class InProcessConfig : BenchmarkDotNet.Configs.ManualConfig
    {
        public InProcessConfig() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10))
            .AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median, BenchmarkDotNet.Columns.StatisticColumn.Min);
    }

    private const string Secret = "sk_5526a47fc8b0eae583e42f4219e53e5fa96ed80cc4c1b7246e548e402b7a81b9";
    private SecretBox _box = null!;
    private string _token = null!;
    private string _sealedNonce = null!;
    private byte[] _payload = null!;
    private readonly byte[] _buffer = new byte[8192];
    private readonly byte[] _mac = new byte[32];
    private IncrementalHash _hmac = null!;
    private HMACSHA256 _hmacInstance = null!;
    private byte[] _secretUtf8 = null!;
    private byte[] _sealedNonceAscii = null!;
    private byte[] _payloadWithoutNonce = null!;

    [GlobalSetup]
    public void Setup()
    {
        _box = new SecretBox(Secret);
        _sealedNonce = _box.Seal(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        string payload = new JsonObject
        {
            ["status"] = "success",
            ["expires_at"] = "2099-01-01T00:00:00Z",
            ["nonce"] = _sealedNonce,
            ["risk_score"] = 0.1,
            ["flow_token"] = Guid.NewGuid().ToString(),
            ["mode"] = "auto",
            ["hostname"] = "localhost",
        }.ToJsonString();
        _payload = Encoding.UTF8.GetBytes(payload);
        string sign = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), _payload));
        _token = Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["payload"] = payload, ["server_sign"] = sign }.ToJsonString()));
        _secretUtf8 = Encoding.UTF8.GetBytes(Secret);
        _sealedNonceAscii = Encoding.ASCII.GetBytes(_sealedNonce);
        _payloadWithoutNonce = Encoding.UTF8.GetBytes(payload.Replace("\"nonce\"", "\"nonc_\"", StringComparison.Ordinal));
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secretUtf8);
        _hmacInstance = new HMACSHA256(_secretUtf8);
    }

    [Benchmark(Description = "Base64 decode of the token (lenient)")]
    public bool Base64() => LenientBase64.TryDecode(_token, _buffer, out _);

    [Benchmark(Description = "HMAC-SHA256, key state reused (IncrementalHash)")]
    public int HmacReused()
    {
        _hmac.AppendData(_payload);
        return _hmac.GetHashAndReset(_mac);
    }

    [Benchmark(Description = "HMAC-SHA256, one-shot (HMACSHA256.HashData, key each call)")]
    public int HmacOneShot() => HMACSHA256.HashData(_secretUtf8, _payload, _mac);

    [Benchmark(Description = "HMAC-SHA256, HMACSHA256 instance reused (TryComputeHash)")]
    public bool HmacInstance() => _hmacInstance.TryComputeHash(_payload, _mac, out _);

    [Benchmark(Description = "HMAC-SHA256 as verification computes it (SecretBox, per-thread keyed state)")]
    public bool HmacSecretBox()
    {
        _box.ComputeTokenSignature(_payload, _mac);
        return _mac[0] == 0;
    }

    [Benchmark(Description = "Open the sealed nonce (SecretBox)")]
    public bool OpenNonce() => _box.TryOpen(_sealedNonce, _buffer, out _);

    [Benchmark(Description = "Stateless checks 1-7 (CaptchaTokenReader)")]
    public FlowFailure Checks() => CaptchaTokenReader.Check(_token, _box, DateTimeOffset.UtcNow, 8192).Failure;

    [Benchmark(Description = "Envelope: Utf8JsonReader read of payload and server_sign (the general path)")]
    public bool Envelope()
    {
        LenientBase64.TryDecode(_token, _buffer, out int n);
        Span<byte> sig = stackalloc byte[256];
        return CaptchaTokenReader.TryReadEnvelope(_buffer.AsSpan(0, n), _payloadCopy, out _, sig, out _);
    }

    [Benchmark(Description = "Envelope: one-pass read of payload and server_sign (the fast path)")]
    public bool EnvelopeFast()
    {
        LenientBase64.TryDecode(_token, _buffer, out int n);
        return CaptchaTokenReader.TryReadEnvelopeFast(_buffer.AsSpan(0, n), _payloadCopy, out _, out _);
    }

    [Benchmark(Description = "Payload: JSON read, status, expiry, nonce open")]
    public FlowFailure Payload() => CaptchaTokenReader.CheckPayload(_payload, _box, DateTimeOffset.UtcNow).Failure;

    [Benchmark(Description = "Payload: the same with the general Utf8JsonReader path")]
    public FlowFailure PayloadGeneral() => CaptchaTokenReader.CheckPayloadGeneral(_payload, _box, DateTimeOffset.UtcNow).Failure;

    [Benchmark(Description = "Stage: payload read and checks 4-7 without the nonce open, general Utf8JsonReader path")]
    public FlowFailure PayloadWithoutNonceGeneral() => CaptchaTokenReader.CheckPayloadGeneral(_payloadWithoutNonce, _box, DateTimeOffset.UtcNow).Failure;

    [Benchmark(Description = "Stage: payload's Utf8JsonReader pass alone (every value skipped)")]
    public int PayloadReaderPass()
    {
        var reader = new System.Text.Json.Utf8JsonReader(_payload);
        int tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }

        return tokens;
    }

    [Benchmark(Description = "Stage: payload's UTF-8 bytes to a string")]
    public string PayloadString() => Encoding.UTF8.GetString(_payload);

    [Benchmark(Description = "Stage: expiry text parse")]
    public bool Expiry() => ExpiryParser.TryParse("2099-01-01T00:00:00Z", out _);

    [Benchmark(Description = "Stage: open the sealed nonce from ASCII bytes (v3 path)")]
    public bool OpenNonceAscii() => _box.TryOpenV3Ascii(_sealedNonceAscii, _buffer, out _);

    [Benchmark(Description = "Stage: rent and return the two pooled buffers of a check")]
    public int PooledBuffers()
    {
        byte[] a = System.Buffers.ArrayPool<byte>.Shared.Rent(600);
        byte[] b = System.Buffers.ArrayPool<byte>.Shared.Rent(600);
        int n = a.Length + b.Length;
        System.Buffers.ArrayPool<byte>.Shared.Return(a);
        System.Buffers.ArrayPool<byte>.Shared.Return(b, clearArray: true);
        return n;
    }

    [Benchmark(Description = "Stage: payload read and checks 4-7 without the nonce open (fast path, nonce left missing)")]
    public FlowFailure PayloadWithoutNonce() => CaptchaTokenReader.CheckPayload(_payloadWithoutNonce, _box, DateTimeOffset.UtcNow).Failure;

    private readonly byte[] _payloadCopy = new byte[8192];

    [GlobalCleanup]
    public void Cleanup()
    {
        _hmac.Dispose();
        _hmacInstance.Dispose();
        _box.Dispose();
    }
}
