using CrafyCaptcha.Shared;
using Microsoft.AspNetCore.Components;

namespace CrafyCaptcha.AspNetCore.Components.WebAssembly;

/// <summary>
/// The browser's <see cref="CrafyCaptchaStateProvider"/> (WebAssembly, and Auto once it runs on WebAssembly): the widget
/// settings the server persisted while it prerendered the page that started WebAssembly (public values only: the same
/// the page's markup already carries). The browser verifies nothing: a form sends <see cref="CrafyCaptcha.Token"/> to a
/// server endpoint that requires the captcha.
/// </summary>
/// <remarks>
/// The settings are the first page's: a policy that WebAssembly first meets on a later enhanced navigation is not
/// known here (.NET 10 did not hand that page's persisted state to the running WebAssembly in our tests), and the
/// component says so. Put such a form's policy on the page that starts WebAssembly, or reach it by a full page load.
/// </remarks>
internal sealed class WebAssemblyCrafyCaptchaStateProvider : CrafyCaptchaStateProvider
{
    private readonly Dictionary<string, CrafyCaptchaWidgetSettings> _settings;

    public WebAssemblyCrafyCaptchaStateProvider(PersistentComponentState state)
    {
        _settings = state.TryTakeFromJson(PersistedWidgetSettings.Key, out Dictionary<string, CrafyCaptchaWidgetSettings>? persisted) && persisted is not null
            ? new Dictionary<string, CrafyCaptchaWidgetSettings>(persisted, StringComparer.Ordinal)
            : new Dictionary<string, CrafyCaptchaWidgetSettings>(StringComparer.Ordinal);
    }

    public override ValueTask<CrafyCaptchaWidgetSettings> GetWidgetSettingsAsync(string? policyName, CancellationToken cancellationToken)
    {
        string name = policyName ?? DefaultPolicyName;
        if (!_settings.TryGetValue(name, out CrafyCaptchaWidgetSettings? settings))
        {
            throw new InvalidOperationException(
                $"<CrafyCaptcha Policy=\"{name}\"> has no settings in WebAssembly: the server hands them over while it prerenders the page that starts WebAssembly. " +
                "Keep prerendering on (the default), add the policy on the server with AddCrafyCaptcha().AddFlowPolicy(...), and reach a page whose policy WebAssembly has not met yet by a full page load.");
        }

        return ValueTask.FromResult(settings);
    }

    /// <summary>A browser has no request to verify: <see langword="null"/>.</summary>
    public override CrafyCaptchaVerificationResult? GetRequestVerification(string? policyName) => null;

    public override ValueTask<CrafyCaptchaVerificationResult> VerifyAsync(string? policyName, string? token, CancellationToken cancellationToken)
        => throw new NotSupportedException(
            "A WebAssembly component cannot verify a token (that needs the server's keys): send CrafyCaptcha.Token in the X-Crafy-Captcha-Token header to a server endpoint with RequireCrafyCaptcha(\"policy\").");

    /// <summary>The default policy's name (the server's <c>CrafyCaptchaHttpOptions.DefaultPolicyName</c>).</summary>
    internal const string DefaultPolicyName = "default";
}
