using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CrafyCaptcha.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CrafyCaptcha.Tests;

/// <summary>A real service provider with the SDK core as an app would register it.</summary>
internal sealed class TestHost : IDisposable
{
    private readonly ServiceProvider _provider;

    public TestHost(string secretKey, TimeProvider? timeProvider = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        services.AddCrafyCaptchaCore(o => o.SecretKey = secretKey);
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Captcha = _provider.GetRequiredService<ICrafyCaptcha>();
        Store = _provider.GetRequiredService<INonceStore>();
        SecretKey = secretKey;
    }

    public ICrafyCaptcha Captcha { get; }

    public INonceStore Store { get; }

    public string SecretKey { get; }

    public static FakeTimeProvider FakeClock() => new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _provider.Dispose();
}

/// <summary>Mints captcha tokens the way the hosted challenge server does (test-only: the engine issue brings the real issuer).</summary>
internal static class TokenMinter
{
    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static string PayloadJson(string secretKey, string nonce, DateTimeOffset expiresAt, double riskScore = 0.1, string status = "success")
    {
        using var box = new SecretBox(secretKey);
        var payload = new JsonObject
        {
            ["status"] = status,
            ["expires_at"] = expiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["nonce"] = box.Seal(nonce),
            ["risk_score"] = riskScore,
            ["flow_token"] = Guid.NewGuid().ToString(),
        };
        return payload.ToJsonString();
    }

    public static string Sign(string secretKey, string payloadJson)
    {
        string signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretKey), Encoding.UTF8.GetBytes(payloadJson)));
        var envelope = new JsonObject { ["payload"] = payloadJson, ["server_sign"] = signature };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(envelope.ToJsonString()));
    }

    public static string Token(string secretKey, string nonce, DateTimeOffset expiresAt, double riskScore = 0.1)
        => Sign(secretKey, PayloadJson(secretKey, nonce, expiresAt, riskScore));
}
