using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.AspNetCore.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Tests;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("CrafyCaptcha:SecretKey", "CrafyCaptcha:SecretKey is missing. Set it in configuration (CrafyCaptcha:SecretKey) or in the CRAFY_SECRET_KEY environment variable.")]
    [InlineData("CrafyCaptcha:PublicKey", "CrafyCaptcha:PublicKey is missing. Set it in configuration (CrafyCaptcha:PublicKey) or in the CRAFY_PUBLIC_KEY environment variable.")]
    public void A_missing_key_fails_at_start_up_with_a_message_naming_it(string key, string message)
    {
        using var app = new SampleApp();
        app.Settings[key] = string.Empty;
        app.Settings["CrafyChallengeServer:UseDevelopmentCredential"] = "false"; // the sample's embedded engine would fill the keys

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => app.Client());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CrafyCaptcha:PublicKey", "pk_short", "CrafyCaptcha:PublicKey is malformed")]
    [InlineData("CrafyCaptcha:SigningPublicKey", "bm90IDMyIGJ5dGVz", "CrafyCaptcha:SigningPublicKey is malformed")]
    [InlineData("CrafyCaptcha:FlowLifetime", "-00:01:00", "CrafyCaptcha:FlowLifetime must be greater than zero")]
    public void A_malformed_key_fails_at_start_up(string key, string value, string message)
    {
        using var app = new SampleApp();
        app.Settings[key] = value;

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => app.Client());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    /// <summary>The options as AddCrafyCaptcha binds them from <paramref name="configuration"/>, and what was logged.</summary>
    private static (CrafyCaptchaOptions Options, CrafyCaptchaHttpOptions Http, List<string> Logs) Bind(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var logs = new List<string>();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostEnvironment>(new ProductionEnvironment());
        services.AddLogging(b => b.AddProvider(new ListLoggerProvider(logs)));
        services.AddCrafyCaptcha();
        using ServiceProvider provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value, provider.GetRequiredService<IOptions<CrafyCaptchaHttpOptions>>().Value, logs);
    }

    /// <summary>A configuration with the public keys the web validator asks for; the secret key is what each test sets.</summary>
    private static Microsoft.Extensions.Configuration.ConfigurationBuilder NewConfiguration()
    {
        var builder = new Microsoft.Extensions.Configuration.ConfigurationBuilder();
        Source(builder, "CrafyCaptcha:PublicKey", SampleApp.PublicKey);
        Source(builder, "CrafyCaptcha:SigningPublicKey", SampleApp.SigningPublicKey);
        return builder;
    }

    private static Microsoft.Extensions.Configuration.IConfigurationBuilder Source(Microsoft.Extensions.Configuration.IConfigurationBuilder builder, string key, string value)
        => Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(builder, new Dictionary<string, string?> { [key] = value });

    [Fact]
    public void A_CRAFY_name_counts_where_its_source_stands_also_inside_a_chained_configuration_and_a_conflict_is_logged_by_name()
    {
        // appsettings (CrafyCaptcha:SecretKey) then the environment (CRAFY_SECRET_KEY), both inside a chained configuration.
        var inner = NewConfiguration();
        Source(inner, "CrafyCaptcha:SecretKey", "sk_from_appsettings");
        Source(inner, "CRAFY_SECRET_KEY", "sk_from_the_environment");
        var outer = NewConfiguration();
        Microsoft.Extensions.Configuration.ChainedBuilderExtensions.AddConfiguration(outer, inner.Build());
        (CrafyCaptchaOptions later, _, List<string> logs) = Bind(outer.Build());
        Assert.Equal("sk_from_the_environment", later.SecretKey);
        string conflict = Assert.Single(logs, l => l.Contains("overrides", StringComparison.Ordinal));
        Assert.StartsWith("CrafyCaptcha configuration: CRAFY_SECRET_KEY from ", conflict, StringComparison.Ordinal);
        Assert.DoesNotContain("sk_from", conflict, StringComparison.Ordinal); // names and sources, never a value

        // The other way round (a command-line CrafyCaptcha:SecretKey after the environment's CRAFY_SECRET_KEY): the later wins.
        var reversed = NewConfiguration();
        Source(reversed, "CRAFY_SECRET_KEY", "sk_from_the_environment");
        Source(reversed, "CrafyCaptcha:SecretKey", "sk_from_the_command_line");
        Assert.Equal("sk_from_the_command_line", Bind(reversed.Build()).Options.SecretKey);

        // The same value twice is no conflict.
        var same = NewConfiguration();
        Source(same, "CrafyCaptcha:SecretKey", "sk_same");
        Source(same, "CRAFY_SECRET_KEY", "sk_same");
        Assert.DoesNotContain(Bind(same.Build()).Logs, l => l.Contains("overrides", StringComparison.Ordinal));
    }

    [Fact]
    public void Deployment_settings_of_the_http_options_bind_from_the_section_but_test_credentials_stay_a_decision_in_code()
    {
        var builder = NewConfiguration();
        Source(builder, "CrafyCaptcha:SecretKey", "sk_x");
        Source(builder, "CrafyCaptcha:IframeUrl", "https://engine.example/crafy/challenge/");
        Source(builder, "CrafyCaptcha:OptionsEndpointPermitsPerMinute", "42");
        Source(builder, "CrafyCaptcha:AllowTestCredentials", "true");

        CrafyCaptchaHttpOptions http = Bind(builder.Build()).Http;

        Assert.Equal("https://engine.example/crafy/challenge/", http.IframeUrl);
        Assert.Equal(42, http.OptionsEndpointPermitsPerMinute);
        Assert.False(http.AllowTestCredentials);
    }

    [Theory]
    [InlineData("CrafyCaptcha:IframeUrl", "javascript:alert(1)", "CrafyCaptcha:IframeUrl must be an app-relative path")]
    [InlineData("CrafyCaptcha:IframeUrl", "//evil.example/challenge/", "CrafyCaptcha:IframeUrl must be an app-relative path")]
    [InlineData("CrafyCaptcha:WidgetScriptUrl", "", "CrafyCaptcha:WidgetScriptUrl must be")]
    [InlineData("CrafyCaptcha:HeaderName", "X Token", "CrafyCaptcha:HeaderName must be an HTTP header name")]
    [InlineData("CrafyCaptcha:OptionsEndpointPermitsPerMinute", "0", "CrafyCaptcha:OptionsEndpointPermitsPerMinute must be between 1")]
    public void A_malformed_http_setting_fails_at_start_up_naming_its_key(string key, string value, string message)
    {
        using var app = new SampleApp();
        app.Settings[key] = value;

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => app.Client());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_with_a_risk_threshold_outside_0_to_1_fails_at_start_up()
    {
        using var app = new SampleApp { ConfigureServices = s => s.AddOptions<CrafyCaptchaHttpOptions>().Configure(o => o.AddPolicy("comments", p => p.MaxRiskScore = 5)) };

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => app.Client());

        Assert.Contains("The CrafyCaptcha policy 'comments' has MaxRiskScore 5", error.Message, StringComparison.Ordinal);
    }

    private sealed class ProductionEnvironment : Microsoft.Extensions.Hosting.IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";

        public string ApplicationName { get; set; } = "tests";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }

    private sealed class ListLoggerProvider(List<string> lines) : Microsoft.Extensions.Logging.ILoggerProvider
    {
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> lines) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => lines.Add(formatter(state, exception));
        }
    }

    [Fact]
    public async Task Keys_come_from_the_CRAFY_variables_when_the_section_has_none()
    {
        using var app = new SampleApp();
        app.Settings["CrafyCaptcha:PublicKey"] = null;
        app.Settings["CrafyCaptcha:SecretKey"] = null;
        app.Settings["CrafyCaptcha:SigningPublicKey"] = null;
        app.Settings["CRAFY_PUBLIC_KEY"] = SampleApp.PublicKey;
        app.Settings["CRAFY_SECRET_KEY"] = SampleApp.SecretKey;
        app.Settings["CRAFY_SIGNING_PUBLIC_KEY"] = SampleApp.SigningPublicKey;
        using HttpClient client = app.Client();

        CrafyCaptchaOptions options = app.Services.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value;

        Assert.Equal(SampleApp.SecretKey, options.SecretKey);
        var fields = new Dictionary<string, string> { ["author"] = "Ana", ["text"] = "hi", ["CrafyCAPTCHA_token"] = await app.MintTokenAsync("comments") };
        Assert.Equal(HttpStatusCode.Redirect, (await SampleApp.PostFormAsync(client, "/Comments", "/comments", fields)).StatusCode);
    }

    [Fact]
    public void Test_credentials_are_refused_outside_development()
    {
        using var app = new SampleApp { EnvironmentName = "Production" };
        app.Settings["CrafyCaptcha:SecretKey"] = CrafyCaptchaTestCredentials.AlwaysPassesSecretKey;

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => app.Client());

        Assert.Contains("test credential", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Production'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_credentials_can_be_allowed_explicitly_outside_development()
    {
        using var app = new SampleApp
        {
            EnvironmentName = "Staging",
            ConfigureServices = s => s.Configure<CrafyCaptchaHttpOptions>(o => o.AllowTestCredentials = true),
        };
        app.Settings["CrafyCaptcha:SecretKey"] = CrafyCaptchaTestCredentials.AlwaysPassesSecretKey;
        using HttpClient client = app.Client();

        var fields = new Dictionary<string, string> { ["author"] = "Ana", ["text"] = "hi", ["CrafyCAPTCHA_token"] = "anything" };

        Assert.Equal(HttpStatusCode.Redirect, (await SampleApp.PostFormAsync(client, "/Comments", "/comments", fields)).StatusCode);
    }

    [Theory]
    [InlineData(CrafyCaptchaTestCredentials.AlwaysPassesSecretKey, "token", null)]
    [InlineData(CrafyCaptchaTestCredentials.ForcesPuzzleSecretKey, "token", null)]
    [InlineData(CrafyCaptchaTestCredentials.AlwaysFailsSecretKey, "token", CrafyCaptchaErrorCodes.Invalid)]
    [InlineData(CrafyCaptchaTestCredentials.AlwaysSpentSecretKey, "token", CrafyCaptchaErrorCodes.Replayed)]
    [InlineData(CrafyCaptchaTestCredentials.AlwaysPassesSecretKey, "", CrafyCaptchaErrorCodes.Missing)]
    public async Task Test_credentials_give_their_documented_verdict(string secretKey, string token, string? code)
    {
        using var app = new SampleApp();
        app.Settings["CrafyCaptcha:SecretKey"] = secretKey;
        using HttpClient client = app.Client();
        var fields = new Dictionary<string, string> { ["author"] = "Ana", ["text"] = "hi", ["CrafyCAPTCHA_token"] = token };

        HttpResponseMessage response = await SampleApp.PostFormAsync(client, "/Comments", "/comments", fields);

        if (code is null)
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        }
        else
        {
            Assert.Equal(code, (string)(await SampleApp.ProblemAsync(response))["code"]!);
        }
    }

    [Fact]
    public async Task The_forcing_test_credential_asks_every_flow_for_a_puzzle()
    {
        using var app = new SampleApp();
        app.Settings["CrafyCaptcha:SecretKey"] = CrafyCaptchaTestCredentials.ForcesPuzzleSecretKey;
        using HttpClient client = app.Client();
        string antiforgery = await SampleApp.AntiforgeryTokenAsync(client, "/Comments");

        HttpResponseMessage response = await client.PostAsJsonAsync("/crafy-options", new { action = "get_options", policy = "comments", __RequestVerificationToken = antiforgery });

        string eo = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["eo"]!;
        using var box = new CrafyCaptcha.Cryptography.SecretBox(CrafyCaptchaTestCredentials.ForcesPuzzleSecretKey);
        Assert.True(box.TryOpen(eo, out byte[]? plaintext));
        Assert.Equal("puzzle", (string)JsonNode.Parse(plaintext)!["mode"]!);
    }

    [Fact]
    public async Task Health_check_reports_the_store_healthy()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();

        HttpResponseMessage response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Three_hundred_health_probes_write_nothing()
    {
        var cache = new CountingCache();
        using var app = new SampleApp { ConfigureServices = s => s.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(cache) };
        using HttpClient client = app.Client();

        for (int i = 0; i < 300; i++)
        {
            HttpResponseMessage response = await client.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(0, cache.Writes);
        Assert.True(cache.Reads >= 300, $"the probe should reach the store ({cache.Reads} reads)");
    }

    /// <summary>The real in-memory cache, counting what reaches it.</summary>
    private sealed class CountingCache : Microsoft.Extensions.Caching.Distributed.IDistributedCache
    {
        private readonly Microsoft.Extensions.Caching.Distributed.MemoryDistributedCache _inner = new(Microsoft.Extensions.Options.Options.Create(new Microsoft.Extensions.Caching.Memory.MemoryDistributedCacheOptions()));
        private int _writes;
        private int _reads;

        public int Writes => Volatile.Read(ref _writes);

        public int Reads => Volatile.Read(ref _reads);

        public byte[]? Get(string key) { Interlocked.Increment(ref _reads); return _inner.Get(key); }

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) { Interlocked.Increment(ref _reads); return _inner.GetAsync(key, token); }

        public void Refresh(string key) => _inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(key, token);

        public void Remove(string key) => _inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => _inner.RemoveAsync(key, token);

        public void Set(string key, byte[] value, Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions options) { Interlocked.Increment(ref _writes); _inner.Set(key, value, options); }

        public Task SetAsync(string key, byte[] value, Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions options, CancellationToken token = default) { Interlocked.Increment(ref _writes); return _inner.SetAsync(key, value, options, token); }
    }

    [Fact]
    public async Task Verifications_are_counted_by_outcome_and_policy()
    {
        using var app = new SampleApp();
        using HttpClient client = app.Client();
        using var collector = new MetricCollector<long>(app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), CrafyCaptchaMetrics.MeterName, "crafy_captcha.verifications");
        var ok = new Dictionary<string, string> { ["author"] = "Ana", ["text"] = "hi", ["CrafyCAPTCHA_token"] = await app.MintTokenAsync("comments") };
        var bad = new Dictionary<string, string> { ["author"] = "Ana", ["text"] = "hi" };

        await SampleApp.PostFormAsync(client, "/Comments", "/comments", ok);
        await SampleApp.PostFormAsync(client, "/Comments", "/comments", bad);

        IReadOnlyList<CollectedMeasurement<long>> measurements = collector.GetMeasurementSnapshot();
        Assert.Equal(2, measurements.Count);
        Assert.Contains(measurements, m => (string?)m.Tags["outcome"] == "valid" && (string?)m.Tags["policy"] == "comments");
        Assert.Contains(measurements, m => (string?)m.Tags["outcome"] == CrafyCaptchaErrorCodes.Missing);
    }
}
