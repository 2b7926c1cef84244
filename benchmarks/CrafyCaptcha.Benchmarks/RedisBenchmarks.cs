using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using CrafyCaptcha.Cryptography;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.Benchmarks;

/// <summary>
/// VerifyFlow and CreateFlow with the Redis store on loopback (a redis-server started for the run), one verification at
/// a time and 64 at a time (as a busy instance serves them), next to the default in-memory store.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8, invocationCount: 64)]
public class RedisBenchmarks
{
    private const int Batch = 256;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "crafy-bench-redis-" + Guid.NewGuid().ToString("N"));
    private int _port;
    private ServiceProvider _provider = null!;
    private ICrafyCaptcha _captcha = null!;
    private INonceStore _store = null!;
    private SecretBox _box = null!;
    private string[][] _batches = null!;
    private int _next;

    [Params("redis", "memory")]
    public string Store { get; set; } = "redis";

    [GlobalSetup]
    public void Setup()
    {
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            _port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        Directory.CreateDirectory(_dir);
        Process.Start("redis-server", $"--bind 127.0.0.1 --port {_port} --daemonize yes --pidfile {_dir}/redis.pid --dir {_dir} --save \"\"")!.WaitForExit();
        Thread.Sleep(300);
        var services = new ServiceCollection();
        ICrafyCaptchaBuilder builder = services.AddCrafyCaptchaCore(o => o.SecretKey = BenchmarkTokens.Secret);
        if (Store == "redis")
        {
            builder.AddRedisNonceStore($"127.0.0.1:{_port}");
        }

        _provider = services.BuildServiceProvider();
        _captcha = _provider.GetRequiredService<ICrafyCaptcha>();
        _store = _provider.GetRequiredService<INonceStore>();
        _box = new SecretBox(BenchmarkTokens.Secret);
        _batches = new string[64][];
    }

    [IterationSetup(Targets = [nameof(VerifyOneAtATime), nameof(Verify64Concurrently)])]
    public void StoreNonces()
    {
        _next = 0;
        for (int b = 0; b < _batches.Length; b++)
        {
            _batches[b] = new string[Batch];
            for (int i = 0; i < Batch; i++)
            {
                string nonce = BenchmarkTokens.NewNonce();
                _store.StoreAsync(nonce, null, TimeSpan.FromMinutes(20)).AsTask().GetAwaiter().GetResult();
                _batches[b][i] = BenchmarkTokens.Token(_box, nonce);
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "VerifyFlow, one at a time")]
    public async Task VerifyOneAtATime()
    {
        foreach (string token in _batches[_next++])
        {
            if (!(await _captcha.VerifyFlowAsync(token)).IsValid)
            {
                throw new InvalidOperationException("a valid token was rejected");
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "VerifyFlow, 64 in flight")]
    public async Task Verify64Concurrently()
    {
        string[] tokens = _batches[_next++];
        int index = -1;
        int valid = 0;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref index)) < tokens.Length)
            {
                if ((await _captcha.VerifyFlowAsync(tokens[i])).IsValid)
                {
                    Interlocked.Increment(ref valid);
                }
            }
        }));
        if (valid != tokens.Length)
        {
            throw new InvalidOperationException($"{tokens.Length - valid} valid tokens were rejected");
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "CreateFlow, 64 in flight")]
    public async Task Create64Concurrently()
    {
        int index = -1;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            while (Interlocked.Increment(ref index) < Batch)
            {
                await _captcha.CreateFlowAsync();
            }
        }));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _box.Dispose();
        Process.Start("kill", File.ReadAllText(Path.Combine(_dir, "redis.pid")).Trim())!.WaitForExit();
        Thread.Sleep(200);
        Directory.Delete(_dir, recursive: true);
    }
}
