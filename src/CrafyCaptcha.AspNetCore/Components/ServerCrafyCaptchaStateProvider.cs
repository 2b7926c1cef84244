using CrafyCaptcha.AspNetCore.Components;
using CrafyCaptcha.Shared;
using CrafyCaptcha.AspNetCore.Internal;
using CrafyCaptcha.AspNetCore.TagHelpers;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Components.Server;

/// <summary>
/// The server's <see cref="CrafyCaptchaStateProvider"/> (static SSR and interactive Server): settings from the
/// options, the request's recorded verification, and verification through the same verifier as every filter. While it
/// prerenders, the settings it gave out are persisted for WebAssembly (<c>PersistentComponentState</c>, the WebAssembly
/// store), where <c>AddCrafyCaptchaWebAssembly()</c>'s provider reads them: public
/// values only, the same the page's markup carries.
/// </summary>
internal sealed class ServerCrafyCaptchaStateProvider : CrafyCaptchaStateProvider
{
    private readonly CrafyCaptchaOptions _captchaOptions;
    private readonly CrafyCaptchaHttpOptions _options;
    private readonly ICrafyPublicTokenProvider _publicToken;
    private readonly LinkGenerator _links;
    private readonly IServiceProvider _services;
    private readonly IHttpContextAccessor _httpContextAccessor;
    private readonly CrafyCaptchaRequestVerifier _verifier;
    private readonly CrafyCaptchaGate _gate;
    private readonly FlowIssuer _flows;
    private readonly bool _development;
    private Dictionary<string, CrafyCaptchaWidgetSettings>? _persisted;

    public ServerCrafyCaptchaStateProvider(
        IOptions<CrafyCaptchaOptions> captchaOptions,
        IOptions<CrafyCaptchaHttpOptions> options,
        ICrafyPublicTokenProvider publicToken,
        LinkGenerator links,
        IHttpContextAccessor httpContextAccessor,
        CrafyCaptchaRequestVerifier verifier,
        CrafyCaptchaGate gate,
        FlowIssuer flows,
        IHostEnvironment environment,
        IServiceProvider services)
    {
        _development = environment.IsDevelopment();
        _captchaOptions = captchaOptions.Value;
        _options = options.Value;
        _publicToken = publicToken;
        _links = links;
        _services = services;
        _httpContextAccessor = httpContextAccessor;
        _verifier = verifier;
        _gate = gate;
        _flows = flows;
    }

    public override async ValueTask<CrafyCaptchaWidgetSettings> GetWidgetSettingsAsync(string? policyName, CancellationToken cancellationToken)
    {
        string name = policyName ?? CrafyCaptchaHttpOptions.DefaultPolicyName;
        CrafyFlowPolicy policy = _options.GetPolicyForWidget(name, $"<CrafyCaptcha Policy=\"{name}\">");

        PathString pathBase = PathBase();
        // A statically rendered widget carries the visitor's antiforgery token (and maybe a page eo or a language build):
        // the page is theirs alone, never stored by the output cache.
        if (RenderingRequest() is { } httpContext)
        {
            FlowIssuer.KeepOutOfOutputCache(httpContext);

            // The browser's visitor cookie before its circuit connects: an interactive form's token is verified on the
            // circuit, whose connection then carries it.
            if (policy.BindToVisitor)
            {
                VisitorCookie.GetOrCreate(httpContext);
            }
        }

        var settings = new CrafyCaptchaWidgetSettings
        {
            PolicyName = name,
            PublicKey = _captchaOptions.PublicKey ?? string.Empty,
            PublicToken = await _publicToken.GetPublicTokenAsync(cancellationToken).ConfigureAwait(false),
            SigningPublicKey = _captchaOptions.SigningPublicKey,
            InputName = policy.FormFieldName,
            OptionsUrl = _links.GetPathByName(OptionsEndpoint.EndpointName, values: null, pathBase: pathBase),
            IframeUrl = _options.IframeUrl is { } iframe ? CrafyCaptchaWidgetRenderer.AppRelative(pathBase, iframe) : null,
            ScriptUrl = CrafyCaptchaWidgetRenderer.WidgetScript(_httpContextAccessor.HttpContext, pathBase, _options.WidgetScriptUrl),
            TurnstileBridgeUrl = CrafyCaptchaWidgetRenderer.TurnstileBridge(pathBase, _options.WidgetScriptUrl),
            MissingTokenMessage = _gate.Message(policy, FlowFailure.MissingToken),
            UnavailableMessage = _gate.Message(policy, FlowFailure.StoreUnavailable),
            DevHints = _development,
        };
        PersistForWebAssembly(settings);
        return settings;
    }

    public override async ValueTask<string?> GetPageEncryptedOptionsAsync(string? policyName, CancellationToken cancellationToken)
    {
        if (RenderingRequest() is not { } httpContext)
        {
            return null;
        }

        string name = policyName ?? CrafyCaptchaHttpOptions.DefaultPolicyName;
        CrafyFlowPolicy policy = _options.GetPolicyForWidget(name, $"<CrafyCaptcha Policy=\"{name}\">");
        return await _flows.TryCreateForPageAsync(httpContext, policy, name).ConfigureAwait(false);
    }

    public override CrafyCaptchaVerificationResult? GetRequestVerification(string? policyName)
    {
        HttpContext? httpContext = _httpContextAccessor.HttpContext;
        if (httpContext is null || !CrafyCaptchaRequestVerifier.IsProtectedMethod(httpContext.Request.Method))
        {
            return null;
        }

        string name = policyName ?? CrafyCaptchaHttpOptions.DefaultPolicyName;
        if (httpContext.Features.Get<ICrafyCaptchaFeature>() is not { } feature)
        {
            // A page that requires the captcha was posted and nothing verified it: without UseCrafyCaptcha() the
            // page's handler would run unchecked, so fail closed, as Blazor does for antiforgery without its middleware.
            if (!httpContext.Items.ContainsKey(CrafyCaptchaMiddleware.RanKey)
                && httpContext.GetEndpoint()?.Metadata.GetMetadata<ICrafyCaptchaMetadata>() is { RequiresCaptcha: true })
            {
                throw new InvalidOperationException("This page requires a captcha ([RequireCrafyCaptcha]) but nothing verified it: add app.UseCrafyCaptcha() after UseAntiforgery().");
            }

            return null;
        }

        return feature.PolicyName == name ? Result(name, feature.Verification) : null;
    }

    public override async ValueTask<CrafyCaptchaVerificationResult> VerifyAsync(string? policyName, string? token, CancellationToken cancellationToken)
    {
        string name = policyName ?? CrafyCaptchaHttpOptions.DefaultPolicyName;
        FlowVerification verification = await _verifier.VerifyTokenAsync(token, name, VisitorCookie.Read(_httpContextAccessor.HttpContext), cancellationToken).ConfigureAwait(false);
        return Result(name, verification);
    }

    private CrafyCaptchaVerificationResult Result(string policyName, FlowVerification verification)
    {
        if (verification.IsValid)
        {
            return new CrafyCaptchaVerificationResult { IsValid = true };
        }

        _options.TryGetPolicy(policyName, out CrafyFlowPolicy policy);
        return new CrafyCaptchaVerificationResult
        {
            IsValid = false,
            ErrorCode = CrafyCaptchaErrorCodes.For(verification.Failure),
            Message = _gate.Message(policy, verification.Failure),
        };
    }

    /// <summary>
    /// Hands <paramref name="settings"/> to WebAssembly: one persisted entry per page (policy name → settings), written
    /// into the WebAssembly store only (never the Server store; Blazor may write it on a page without a WebAssembly
    /// component too, for a later start: public values, as in the page's markup).
    /// </summary>
    private void PersistForWebAssembly(CrafyCaptchaWidgetSettings settings)
    {
        if (_persisted is null)
        {
            if (_services.GetService(typeof(PersistentComponentState)) is not PersistentComponentState state)
            {
                return;
            }

            _persisted = new Dictionary<string, CrafyCaptchaWidgetSettings>(StringComparer.Ordinal);
            Dictionary<string, CrafyCaptchaWidgetSettings> persisted = _persisted;
            state.RegisterOnPersisting(
                () =>
                {
                    state.PersistAsJson(PersistedWidgetSettings.Key, persisted);
                    return Task.CompletedTask;
                },
                RenderMode.InteractiveWebAssembly);
        }

        _persisted[settings.PolicyName] = settings;
    }

    /// <summary>The request that renders the page (static SSR), or <see langword="null"/> in a circuit, whose HttpContext is not a live request.</summary>
    private HttpContext? RenderingRequest()
        => _httpContextAccessor.HttpContext is { WebSockets.IsWebSocketRequest: false } httpContext ? httpContext : null;

    /// <summary>The app's base path, from the component's NavigationManager (resolved on use: apps without Blazor have none).</summary>
    private PathString PathBase()
    {
        var navigation = (NavigationManager)_services.GetService(typeof(NavigationManager))!;
        string path = new Uri(navigation.BaseUri).AbsolutePath.TrimEnd('/');
        return path.Length == 0 ? PathString.Empty : new PathString(path);
    }

}
