using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.JSInterop;

namespace CrafyCaptcha.AspNetCore.Components;

/// <summary>
/// <c>&lt;CrafyCaptcha Policy="login" /&gt;</c>: the widget in a Blazor form, in every render mode.
/// <list type="bullet">
/// <item>Static server rendering (an <c>EditForm</c> with <c>FormName</c>, or a plain <c>&lt;form&gt;</c>): the token
/// is posted with the form; <c>UseCrafyCaptcha()</c> verifies it before the page runs and, on failure, this component
/// puts the message into the <see cref="EditContext"/> (so <c>OnValidSubmit</c> does not run and
/// <c>&lt;ValidationSummary&gt;</c> shows it) and under the widget; the person's input is kept. The widget survives
/// enhanced navigation and enhanced form posts (the package's JS initializer listens for <c>enhancedload</c>).</item>
/// <item>Interactive Server, WebAssembly, Auto: the widget runs through JS interop; <see cref="OnSuccess"/> receives the
/// token, <see cref="Token"/> holds it. A Server form calls <see cref="VerifyAsync"/> in its submit handler; a
/// WebAssembly form sends <see cref="Token"/> in the <c>X-Crafy-Captcha-Token</c> header to a server endpoint with
/// <c>RequireCrafyCaptcha</c>.</item>
/// </list>
/// Parameters mirror the <c>&lt;crafy-captcha&gt;</c> tag helper's. Everything rendered is encoded by the renderer; no
/// inline script is written.
/// </summary>
public sealed class CrafyCaptcha : ComponentBase, IAsyncDisposable
{
    internal const string ModulePath = "./_content/CrafyCaptcha.AspNetCore.Components/CrafyCaptcha.AspNetCore.Components.lib.module.js";
    internal const string FieldNameField = "CrafyCAPTCHA_field";
    private static readonly JsonSerializerOptions AttributeJson = new() { Encoder = JavaScriptEncoder.Default };

    private CrafyCaptchaWidgetSettings? _settings;
    private string? _settingsPolicy;
    private string? _config;
    private EditContext? _editContext;
    private ValidationMessageStore? _messages;
    private CrafyCaptchaVerificationResult? _requestResult;
    private string? _message;
    private ElementReference _container;
    private IJSObjectReference? _module;
    private DotNetObjectReference<WidgetCallbacks>? _callbacks;
    private bool _widgetStarted;
    private bool _widgetFailed;
    private Task? _starting;

    /// <summary>The flow policy (default: the default policy).</summary>
    [Parameter]
    public string? Policy { get; set; }

    /// <summary><c>auto</c> (default: follows the page's <c>prefers-color-scheme</c>), <c>light</c> or <c>dark</c>.</summary>
    [Parameter]
    public string? Theme { get; set; }

    /// <summary>The widget's language (<c>en</c>, <c>es</c>, <c>fr</c>, <c>pt</c>, <c>de</c>, <c>it</c>, <c>ru</c>, <c>zh</c>, <c>ja</c>, <c>hi</c>); default: the browser's.</summary>
    [Parameter]
    public string? Language { get; set; }

    /// <summary>The hidden input's name (default: the policy's form field). A second widget in one page needs its own: <c>{field}_2</c>, <c>{field}_3</c>, …</summary>
    [Parameter]
    public string? InputName { get; set; }

    /// <summary><see langword="false"/> loads the challenge only on a click or a submit (default <see langword="true"/>).</summary>
    [Parameter]
    public bool AutoLoad { get; set; } = true;

    /// <summary>Background colour of the widget.</summary>
    [Parameter]
    public string? Background { get; set; }

    /// <summary>Background colour on hover.</summary>
    [Parameter]
    public string? BackgroundHover { get; set; }

    /// <summary>Text colour.</summary>
    [Parameter]
    public string? Color { get; set; }

    /// <summary>Border colour.</summary>
    [Parameter]
    public string? BorderColor { get; set; }

    /// <summary>Accent colour.</summary>
    [Parameter]
    public string? Primary { get; set; }

    /// <summary>Footer text colour.</summary>
    [Parameter]
    public string? FooterColor { get; set; }

    /// <summary>Called with the token when the widget is solved (interactive render modes).</summary>
    [Parameter]
    public EventCallback<string> OnSuccess { get; set; }

    /// <summary>Called with the error's text when the widget reports one (interactive render modes).</summary>
    [Parameter]
    public EventCallback<string> OnError { get; set; }

    /// <summary>Called when a token expired before it was used; the widget gets a new one (interactive render modes).</summary>
    [Parameter]
    public EventCallback OnExpire { get; set; }

    /// <summary>The form's edit context (cascaded by <c>EditForm</c>).</summary>
    [CascadingParameter]
    public EditContext? EditContext { get; set; }

    /// <summary>The latest token the widget produced in an interactive render mode; <see langword="null"/> before, after it expired, or once verified.</summary>
    public string? Token { get; private set; }

    [Inject]
    private CrafyCaptchaStateProvider State { get; set; } = null!;

    [Inject]
    private IServiceProvider Services { get; set; } = null!;

    private string EffectiveInputName => InputName ?? _settings?.InputName ?? "CrafyCAPTCHA_token";

    private FieldIdentifier Field => new(_editContext!.Model, EffectiveInputName);

    /// <summary>
    /// Verifies <see cref="Token"/> on the server (interactive Server) and spends it; on failure the message goes into
    /// the <see cref="EditContext"/> and under the widget. Either way the widget starts a fresh challenge.
    /// </summary>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns><see langword="true"/> when the token passed.</returns>
    public async Task<bool> VerifyAsync(CancellationToken cancellationToken = default)
    {
        string? token = Token;
        CrafyCaptchaVerificationResult result = await State.VerifyAsync(Policy, token, cancellationToken).ConfigureAwait(true);
        Token = null;
        ShowFailure(result.IsValid ? null : result.Message);
        if (_module is not null && !string.IsNullOrEmpty(token))
        {
            await _module.InvokeVoidAsync("reset", cancellationToken, _container).ConfigureAwait(true);
        }

        StateHasChanged();
        return result.IsValid;
    }

    /// <summary>Starts a fresh challenge (interactive render modes); the current token is dropped.</summary>
    /// <returns>A task that completes when the widget was told.</returns>
    public async Task ResetAsync()
    {
        Token = null;
        if (_widgetFailed)
        {
            await StartWidgetAsync().ConfigureAwait(true);
        }
        else if (_module is not null)
        {
            await _module.InvokeVoidAsync("reset", _container).ConfigureAwait(true);
        }
    }

    /// <inheritdoc />
    protected override async Task OnParametersSetAsync()
    {
        if (_settings is null || _settingsPolicy != Policy)
        {
            _settings = await State.GetWidgetSettingsAsync(Policy, CancellationToken.None).ConfigureAwait(true);
            _settingsPolicy = Policy;
        }

        if (!ReferenceEquals(_editContext, EditContext))
        {
            DetachEditContext();
            _editContext = EditContext;
            if (_editContext is not null)
            {
                _messages = new ValidationMessageStore(_editContext);
                _editContext.OnValidationRequested += OnValidationRequested;
            }
        }

        if (!RendererInfo.IsInteractive)
        {
            _requestResult = State.GetRequestVerification(Policy);
            ShowFailure(_requestResult is { IsValid: false } failed ? failed.Message : null);
        }

        // A widget rendered statically for good (not prerendered for interactivity) that loads at once carries its first
        // eo with the page: one round trip less before the challenge. Each render is a new request, so a new eo.
        string? pageEo = !RendererInfo.IsInteractive && AssignedRenderMode is null && AutoLoad && _settings.PublicToken is not null && _settings.OptionsUrl is not null
            ? await State.GetPageEncryptedOptionsAsync(Policy, CancellationToken.None).ConfigureAwait(true)
            : null;
        _config = BuildConfig(_settings, pageEo);
    }

    /// <inheritdoc />
    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string inputName = EffectiveInputName;
        builder.OpenElement(0, "div");
        builder.AddAttribute(1, "id", "crafy-captcha-" + inputName);
        builder.AddAttribute(2, "class", "crafy-captcha");
        builder.AddAttribute(3, "data-crafy-policy", _settings?.PolicyName);
        // Interactive (or becoming so after prerendering): JS interop starts the widget, not the static-render scan.
        builder.AddAttribute(5, "data-crafy-interactive", RendererInfo.IsInteractive || AssignedRenderMode is not null ? "true" : null);
        builder.AddAttribute(6, "data-crafy-error", _settings is { PublicToken: null } ? "public_token_unavailable" : null);
        builder.AddElementReferenceCapture(7, r => _container = r);
        // The settings in an inert <script> child, which the glue reads and nothing else: sanitizers strip <script>, so
        // markup an attacker gets into a page (a comment) cannot pass for a widget and choose its script or its iframe.
        builder.OpenElement(19, "script");
        builder.AddAttribute(20, "type", "application/json");
        builder.AddAttribute(21, "data-crafy-config", _config);
        builder.CloseElement();
        // The token's input inside the container: the widget writes only into its container's own input (markup a comment
        // brings into the form cannot take the token's place).
        builder.OpenElement(12, "input");
        builder.AddAttribute(13, "type", "hidden");
        builder.AddAttribute(14, "name", inputName);
        builder.CloseElement();
        builder.CloseElement();
        if (_settings is not null && inputName != _settings.InputName)
        {
            builder.OpenElement(8, "input");
            builder.AddAttribute(9, "type", "hidden");
            builder.AddAttribute(10, "name", FieldNameField);
            builder.AddAttribute(11, "value", inputName);
            builder.CloseElement();
        }

        if (_message is not null)
        {
            builder.OpenElement(15, "div");
            builder.AddAttribute(16, "class", "validation-message crafy-captcha-message");
            builder.AddAttribute(17, "role", "alert");
            builder.AddContent(18, _message);
            builder.CloseElement();
        }
    }

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!RendererInfo.IsInteractive || _widgetStarted)
        {
            return;
        }

        _widgetStarted = true;
        await StartWidgetAsync().ConfigureAwait(true);
    }

    /// <summary>
    /// Starts the widget through JS interop. A widget script or glue module that cannot load (an ad blocker, a CSP, the
    /// network) never takes the circuit down: the component shows the unavailable message in the form's validation and
    /// raises <see cref="OnError"/>; the next submit attempt or <see cref="ResetAsync"/> tries again.
    /// </summary>
    private Task StartWidgetAsync() => _starting is { IsCompleted: false } running ? running : _starting = StartWidgetOnceAsync();

    private async Task StartWidgetOnceAsync()
    {
        try
        {
            if (_module is null)
            {
                IJSRuntime js = Services.GetRequiredService<IJSRuntime>();
                _module = await js.InvokeAsync<IJSObjectReference>("import", ModulePath).ConfigureAwait(true);
            }

            _callbacks ??= DotNetObjectReference.Create(new WidgetCallbacks(this));
            await _module.InvokeVoidAsync("init", _container, _callbacks).ConfigureAwait(true);
            if (_widgetFailed)
            {
                _widgetFailed = false;
                ShowFailure(null);
                StateHasChanged();
            }
        }
        catch (Exception ex) when (ex is JSException or TaskCanceledException)
        {
            // A script that failed to load, or one that hung past the circuit's JS interop timeout.
            _widgetFailed = true;
            ShowFailure(_settings?.UnavailableMessage ?? _settings?.MissingTokenMessage);
            StateHasChanged();
            await OnError.InvokeAsync(ex.Message).ConfigureAwait(true);
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone: so is the page, and the widget with it.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        DetachEditContext();
        if (_module is not null)
        {
            try
            {
                await _module.InvokeVoidAsync("dispose", _container).ConfigureAwait(false);
                await _module.DisposeAsync().ConfigureAwait(false);
            }
            catch (JSDisconnectedException)
            {
                // The circuit is gone: so is the page, and the widget with it.
            }
        }

        _callbacks?.Dispose();
    }

    private void DetachEditContext()
    {
        if (_editContext is not null)
        {
            _editContext.OnValidationRequested -= OnValidationRequested;
            _messages?.Clear();
            _editContext.NotifyValidationStateChanged();
        }

        _editContext = null;
        _messages = null;
    }

    /// <summary>Keeps the failure in the form's validation: a DataAnnotations pass clears only its own messages, not these.</summary>
    private void OnValidationRequested(object? sender, ValidationRequestedEventArgs e)
    {
        if (_messages is null)
        {
            return;
        }

        _messages.Clear();
        if (_widgetFailed && RendererInfo.IsInteractive)
        {
            // The widget could not start (its message stands): the form stays usable, and the widget is tried again.
            _ = InvokeAsync(StartWidgetAsync);
        }

        if (_message is not null)
        {
            _messages.Add(Field, _message);
        }
        else if (RendererInfo.IsInteractive && string.IsNullOrEmpty(Token) && _settings is not null)
        {
            // Submitted before the widget was done: the same message the server gives a tokenless post.
            _message = _settings.MissingTokenMessage;
            _messages.Add(Field, _message);
            StateHasChanged();
        }

        _editContext!.NotifyValidationStateChanged();
    }

    private void ShowFailure(string? message)
    {
        _message = message;
        if (_messages is null)
        {
            return;
        }

        _messages.Clear();
        if (message is not null)
        {
            _messages.Add(Field, message);
        }

        _editContext!.NotifyValidationStateChanged();
    }

    private string BuildConfig(CrafyCaptchaWidgetSettings settings, string? pageEo)
    {
        var options = new JsonObject
        {
            ["inputName"] = EffectiveInputName,
            ["theme"] = string.IsNullOrEmpty(Theme) ? "auto" : Theme,
        };
        if (settings.OptionsUrl is not null)
        {
            options["optionsUrl"] = settings.OptionsUrl;
        }

        if (pageEo is not null)
        {
            options["encryptedOptions"] = pageEo;
        }

        if (settings.IframeUrl is not null)
        {
            options["iframeUrl"] = settings.IframeUrl;
        }

        if (settings.TurnstileBridgeUrl is not null)
        {
            options["turnstileBridgeUrl"] = settings.TurnstileBridgeUrl;
        }

        if (!string.IsNullOrEmpty(Language))
        {
            options["lang"] = Language;
        }

        if (settings.DevHints)
        {
            options["devHints"] = true;
        }

        var style = new JsonObject();
        AddStyle(style, "background", Background);
        AddStyle(style, "backgroundHover", BackgroundHover);
        AddStyle(style, "color", Color);
        AddStyle(style, "borderColor", BorderColor);
        AddStyle(style, "primary", Primary);
        AddStyle(style, "footerColor", FooterColor);
        if (style.Count > 0)
        {
            options["style"] = style;
        }

        var fetchParameters = new JsonObject { ["policy"] = settings.PolicyName };
        if (Services.GetService<AntiforgeryStateProvider>()?.GetAntiforgeryToken() is { } antiforgery)
        {
            fetchParameters["__RequestVerificationToken"] = antiforgery.Value;
        }

        return new JsonObject
        {
            ["publicKey"] = settings.PublicKey,
            ["publicToken"] = settings.PublicToken ?? string.Empty,
            ["signingPublicKey"] = settings.SigningPublicKey ?? string.Empty,
            ["scriptUrl"] = settings.ScriptUrl,
            ["autoLoad"] = AutoLoad,
            ["options"] = options,
            ["internalOptions"] = new JsonObject { ["fetchOptionsParameters"] = fetchParameters },
        }.ToJsonString(AttributeJson);
    }

    private static void AddStyle(JsonObject style, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            style[key] = value;
        }
    }

    private async Task WidgetSucceededAsync(string token)
    {
        Token = token;
        if (_message is not null)
        {
            ShowFailure(null);
        }

        await OnSuccess.InvokeAsync(token).ConfigureAwait(true);
        StateHasChanged();
    }

    private async Task WidgetFailedAsync(string error) => await OnError.InvokeAsync(error).ConfigureAwait(true);

    private async Task WidgetExpiredAsync()
    {
        Token = null;
        await OnExpire.InvokeAsync().ConfigureAwait(true);
    }

    /// <summary>The widget's callbacks into .NET (interactive render modes), kept off the component's public surface.</summary>
    internal sealed class WidgetCallbacks(CrafyCaptcha owner)
    {
        [JSInvokable]
        public Task Success(string token) => owner.InvokeAsync(() => owner.WidgetSucceededAsync(token));

        [JSInvokable]
        public Task Error(string error) => owner.InvokeAsync(() => owner.WidgetFailedAsync(error));

        [JSInvokable]
        public Task Expire() => owner.InvokeAsync(owner.WidgetExpiredAsync);
    }
}
