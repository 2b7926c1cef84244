using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CrafyCaptcha.AspNetCore.Components.WebAssembly;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Components.Tests;

/// <summary>
/// The hand-over to WebAssembly, read from outside: what the Blazor Identity sample's prerendered pages carry in their
/// WebAssembly state (public values only), and what the WebAssembly
/// provider makes of it.
/// </summary>
public sealed class WebAssemblyStateTests(BlazorIdentityApp app) : IClassFixture<BlazorIdentityApp>
{
    /// <summary>The persisted state's key (the server writes it, the browser reads it).</summary>
    private const string SettingsKey = "CrafyCaptcha.WidgetSettings";

    private static readonly Regex WebAssemblyState = new("<!--Blazor-WebAssembly-Component-State:([A-Za-z0-9+/=]+)-->", RegexOptions.CultureInvariant);

    [Theory]
    [InlineData("/feedback-webassembly")]
    [InlineData("/feedback-auto")]
    public async Task A_WebAssembly_or_Auto_page_hands_its_policy_settings_to_WebAssembly_and_no_secret(string path)
    {
        string html = await app.Client().GetStringAsync(path);
        Dictionary<string, byte[]> state = ReadState(html);

        CrafyCaptchaWidgetSettings settings = await Provider(state).GetWidgetSettingsAsync("feedback", CancellationToken.None);

        CrafyCaptchaOptions options = app.Services.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value;
        Assert.Equal("feedback", settings.PolicyName);
        Assert.Equal(options.PublicKey, settings.PublicKey);
        Assert.Equal(options.SigningPublicKey, settings.SigningPublicKey);
        Assert.StartsWith("pt_", settings.PublicToken, StringComparison.Ordinal);
        Assert.Equal("CrafyCAPTCHA_token", settings.InputName);
        Assert.Equal("/crafy-options", settings.OptionsUrl);
        Assert.Matches(@"^/_content/CrafyCaptcha\.AspNetCore/crafy-captcha(\.min)?\.js$", settings.ScriptUrl);
        Assert.Contains(JsonSerializer.Serialize(settings.ScriptUrl), html.Replace("&quot;", "\"", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(settings.MissingTokenMessage));

        // Everything persisted is what the page's markup already shows; the credential's secret is nowhere.
        string persisted = Encoding.UTF8.GetString(state[SettingsKey]);
        Assert.False(string.IsNullOrEmpty(options.SecretKey));
        Assert.DoesNotContain(options.SecretKey, persisted, StringComparison.Ordinal);
        Assert.DoesNotContain(options.SecretKey, html, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", persisted, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/newsletter")]
    [InlineData("/contact")]
    [InlineData("/Account/Login")]
    public async Task A_static_or_Server_page_with_the_widget_hands_over_no_secret_either(string path)
    {
        // Blazor writes a page's WebAssembly state even without a WebAssembly component (for a later start): the
        // settings may be there too, public as on every page, never the secret.
        string html = await app.Client().GetStringAsync(path);
        Assert.Contains("data-crafy-config", html, StringComparison.Ordinal);
        string secret = app.Services.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value.SecretKey!;
        Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
        if (WebAssemblyState.IsMatch(html))
        {
            foreach (byte[] value in ReadState(html).Values)
            {
                Assert.DoesNotContain(secret, Encoding.UTF8.GetString(value), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task A_policy_the_server_did_not_hand_over_is_an_error_that_names_the_fix()
    {
        string html = await app.Client().GetStringAsync("/feedback-webassembly");
        WebAssemblyCrafyCaptchaStateProvider provider = Provider(ReadState(html));

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetWidgetSettingsAsync("login", CancellationToken.None).AsTask());
        Assert.Contains("Policy=\"login\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("prerender", error.Message, StringComparison.Ordinal);
        InvalidOperationException none = await Assert.ThrowsAsync<InvalidOperationException>(() => Provider([]).GetWidgetSettingsAsync("feedback", CancellationToken.None).AsTask());
        Assert.Contains("Policy=\"feedback\"", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebAssembly_verifies_nothing_and_has_no_request_verification()
    {
        WebAssemblyCrafyCaptchaStateProvider provider = Provider([]);
        Assert.Null(provider.GetRequestVerification("feedback"));
        NotSupportedException error = await Assert.ThrowsAsync<NotSupportedException>(() => provider.VerifyAsync("feedback", "token", CancellationToken.None).AsTask());
        Assert.Contains("X-Crafy-Captcha-Token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddCrafyCaptchaWebAssembly_registers_the_WebAssembly_provider_once()
    {
        var services = new ServiceCollection();
        services.AddCrafyCaptchaWebAssembly().AddCrafyCaptchaWebAssembly();
        services.AddSingleton(new ComponentStatePersistenceManager(NullLogger<ComponentStatePersistenceManager>.Instance).State);

        ServiceDescriptor descriptor = Assert.Single(services, d => d.ServiceType == typeof(CrafyCaptchaStateProvider));
        Assert.Equal(ServiceLifetime.Scoped, descriptor.Lifetime);
        using ServiceProvider provider = services.BuildServiceProvider();
        using IServiceScope scope = provider.CreateScope();
        Assert.IsType<WebAssemblyCrafyCaptchaStateProvider>(scope.ServiceProvider.GetRequiredService<CrafyCaptchaStateProvider>());
    }

    /// <summary>The page's WebAssembly state as Blazor writes it: base64 of a JSON object of base64 values.</summary>
    private static Dictionary<string, byte[]> ReadState(string html)
    {
        Match match = WebAssemblyState.Match(html);
        Assert.True(match.Success, "the page has no WebAssembly state");
        return JsonSerializer.Deserialize<Dictionary<string, byte[]>>(Convert.FromBase64String(match.Groups[1].Value))!;
    }

    /// <summary>The WebAssembly provider over <paramref name="state"/>, restored as the WebAssembly host restores it.</summary>
    private static WebAssemblyCrafyCaptchaStateProvider Provider(Dictionary<string, byte[]> state)
    {
        var manager = new ComponentStatePersistenceManager(NullLogger<ComponentStatePersistenceManager>.Instance);
        manager.RestoreStateAsync(new Store(state)).GetAwaiter().GetResult();
        return new WebAssemblyCrafyCaptchaStateProvider(manager.State);
    }

    private sealed class Store(Dictionary<string, byte[]> state) : IPersistentComponentStateStore
    {
        public Task<IDictionary<string, byte[]>> GetPersistedStateAsync() => Task.FromResult<IDictionary<string, byte[]>>(new Dictionary<string, byte[]>(state));

        public Task PersistStateAsync(IReadOnlyDictionary<string, byte[]> state) => throw new NotSupportedException();
    }
}
