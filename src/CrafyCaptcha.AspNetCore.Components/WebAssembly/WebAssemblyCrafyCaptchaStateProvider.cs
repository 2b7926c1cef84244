using Microsoft.AspNetCore.Components;

namespace CrafyCaptcha.AspNetCore.Components.WebAssembly;

/// <summary>
/// The browser's <see cref="CrafyCaptchaStateProvider"/> (WebAssembly, and Auto once it runs on WebAssembly): the widget
/// settings the server persisted while it prerendered the page (public values only: the same the page's markup already
/// carries), kept as they arrive, also on enhanced navigation. The browser verifies nothing: a form sends
/// <see cref="CrafyCaptcha.Token"/> to a server endpoint that requires the captcha.
/// </summary>
internal sealed class WebAssemblyCrafyCaptchaStateProvider : CrafyCaptchaStateProvider, IDisposable
{
    private readonly PersistentComponentState _state;
    private readonly Dictionary<string, CrafyCaptchaWidgetSettings> _settings = new(StringComparer.Ordinal);
    private readonly RestoringComponentStateSubscription _updates;

    public WebAssemblyCrafyCaptchaStateProvider(PersistentComponentState state)
    {
        _state = state;
        Take();
        _updates = state.RegisterOnRestoring(Take, new RestoreOptions { AllowUpdates = true });
    }

    public override ValueTask<CrafyCaptchaWidgetSettings> GetWidgetSettingsAsync(string? policyName, CancellationToken cancellationToken)
    {
        string name = policyName ?? DefaultPolicyName;
        if (!_settings.TryGetValue(name, out CrafyCaptchaWidgetSettings? settings))
        {
            throw new InvalidOperationException(
                $"<CrafyCaptcha Policy=\"{name}\"> has no settings in WebAssembly: the server hands them over while it prerenders the page. " +
                "Keep prerendering on for pages with the component (the default), and add the policy on the server with AddCrafyCaptcha().AddFlowPolicy(...).");
        }

        return ValueTask.FromResult(settings);
    }

    /// <summary>A browser has no request to verify: <see langword="null"/>.</summary>
    public override CrafyCaptchaVerificationResult? GetRequestVerification(string? policyName) => null;

    public override ValueTask<CrafyCaptchaVerificationResult> VerifyAsync(string? policyName, string? token, CancellationToken cancellationToken)
        => throw new NotSupportedException(
            "A WebAssembly component cannot verify a token (that needs the server's keys): send CrafyCaptcha.Token in the X-Crafy-Captcha-Token header to a server endpoint with RequireCrafyCaptcha(\"policy\").");

    public void Dispose() => _updates.Dispose();

    /// <summary>The default policy's name (the server's <c>CrafyCaptchaHttpOptions.DefaultPolicyName</c>).</summary>
    internal const string DefaultPolicyName = "default";

    private void Take()
    {
        if (_state.TryTakeFromJson(PersistedWidgetSettings.Key, out Dictionary<string, CrafyCaptchaWidgetSettings>? persisted) && persisted is not null)
        {
            foreach ((string policy, CrafyCaptchaWidgetSettings settings) in persisted)
            {
                _settings[policy] = settings;
            }
        }
    }
}
