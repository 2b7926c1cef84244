using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using CrafyCaptcha.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrafyCaptcha.Benchmarks;

/// <summary>
/// One POST through real HTTP on loopback (Kestrel on 127.0.0.1, HttpClient) to a minimal-API endpoint, with and
/// without <c>.RequireCrafyCaptcha()</c>. Each protected request carries a different valid token in the
/// <c>X-Crafy-Captcha-Token</c> header (flows created in the iteration setup). The difference is what verification adds.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10, invocationCount: Requests)]
public class EndpointBenchmarks
{
    private const int Requests = 5_000;
    private const string Secret = BenchmarkTokens.Secret;

    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private ICrafyCaptcha _captcha = null!;
    private SecretBox _box = null!;
    private string[] _tokens = null!;
    private int _next;
    private string _sampleToken = null!;

    [GlobalSetup]
    public void Setup()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Configuration["CrafyCaptcha:PublicKey"] = "pk_8868cdb2a4575e8755324cb77bf5be3a";
        builder.Configuration["CrafyCaptcha:SecretKey"] = Secret;
        builder.Services.AddCrafyCaptcha();
        _app = builder.Build();
        _app.MapPost("/open", () => Results.Ok());
        _app.MapPost("/protected", () => Results.Ok()).RequireCrafyCaptcha();
        _app.StartAsync().GetAwaiter().GetResult();
        string address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address) };
        _captcha = _app.Services.GetRequiredService<ICrafyCaptcha>();
        _box = new SecretBox(Secret);
        _tokens = new string[Requests];
        MintTokens();
        _sampleToken = _tokens[0];
    }

    [IterationSetup(Targets = [nameof(Protected), nameof(VerifierOnly)])]
    public void MintTokens()
    {
        _next = 0;
        for (int i = 0; i < Requests; i++)
        {
            string eo = _captcha.CreateFlowAsync(new FlowOptions { Context = new JsonObject { ["policy"] = "default" } }).AsTask().GetAwaiter().GetResult();
            _box.TryOpen(eo, out byte[]? plaintext);
            _tokens[i] = BenchmarkTokens.Token(_box, (string)JsonNode.Parse(plaintext)!["nonce"]!);
        }
    }

    [Benchmark(Baseline = true, Description = "POST unprotected endpoint")]
    public int Unprotected()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/open");
        using HttpResponseMessage response = _client.Send(request);
        return (int)response.StatusCode;
    }

    [Benchmark(Description = "POST unprotected endpoint, same token header (ignored)")]
    public int UnprotectedWithHeader()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/open");
        request.Headers.Add("X-Crafy-Captcha-Token", _sampleToken);
        using HttpResponseMessage response = _client.Send(request);
        return (int)response.StatusCode;
    }

    [Benchmark(Description = "POST protected endpoint, valid token")]
    public int Protected()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/protected");
        request.Headers.Add("X-Crafy-Captcha-Token", _tokens[_next++]);
        using HttpResponseMessage response = _client.Send(request);
        return response.IsSuccessStatusCode ? 200 : throw new InvalidOperationException($"HTTP {(int)response.StatusCode}");
    }

    [Benchmark(Description = "In process: the request verifier alone (header token, no HTTP)")]
    public bool VerifierOnly()
    {
        var context = new DefaultHttpContext { RequestServices = _app.Services };
        context.Request.Method = "POST";
        context.Request.Headers["X-Crafy-Captcha-Token"] = _tokens[_next++];
        var verifier = _app.Services.GetRequiredService<CrafyCaptcha.AspNetCore.Internal.CrafyCaptchaRequestVerifier>();
        return verifier.VerifyAsync(context, null).AsTask().GetAwaiter().GetResult().Verification.IsValid ? true : throw new InvalidOperationException();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _box.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        ((IDisposable)_app).Dispose();
    }
}
