using System.Text.Json.Nodes;
using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.JSInterop;
using Widget = CrafyCaptcha.AspNetCore.Components.CrafyCaptcha;

namespace CrafyCaptcha.AspNetCore.Components.Tests;

/// <summary>The component under bUnit: markup and parameters, the failure in the EditContext, the widget's callbacks, verification.</summary>
public sealed class ComponentTests : IDisposable
{
    private const string Missing = "Please complete the captcha before sending the form.";
    private readonly BunitContext _context = new();
    private readonly StubStateProvider _state = new();

    public ComponentTests()
    {
        _context.Services.AddSingleton<CrafyCaptchaStateProvider>(_state);
    }

    [Fact]
    public void Static_render_writes_the_container_with_its_settings_and_the_token_field_and_no_script()
    {
        _context.SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        IRenderedComponent<Widget> cut = _context.Render<Widget>(p => p
            .Add(c => c.Policy, "login")
            .Add(c => c.Theme, "dark")
            .Add(c => c.Language, "fr")
            .Add(c => c.AutoLoad, false)
            .Add(c => c.Primary, "#ff0000")
            .Add(c => c.FooterColor, "#00ff00"));

        IElement container = cut.Find("div.crafy-captcha");
        Assert.Equal("crafy-captcha-CrafyCAPTCHA_token", container.Id);
        Assert.Equal("login", container.GetAttribute("data-crafy-policy"));
        Assert.False(container.HasAttribute("data-crafy-interactive"));
        Assert.False(container.HasAttribute("data-crafy-error"));
        JsonNode config = Config(cut);
        Assert.Equal("pk_public", (string?)config["publicKey"]);
        Assert.Equal("pt_public", (string?)config["publicToken"]);
        Assert.Equal("/_content/CrafyCaptcha.AspNetCore/crafy-captcha.js", (string?)config["scriptUrl"]);
        Assert.False((bool)config["autoLoad"]!);
        Assert.Equal("dark", (string?)config["options"]!["theme"]);
        Assert.Equal("fr", (string?)config["options"]!["lang"]);
        Assert.Equal("/crafy-options", (string?)config["options"]!["optionsUrl"]);
        Assert.Equal("/crafy/challenge/", (string?)config["options"]!["iframeUrl"]);
        Assert.Equal("/_content/CrafyCaptcha.AspNetCore/crafy-captcha-turnstile.min.js", (string?)config["options"]!["turnstileBridgeUrl"]);
        Assert.Equal("#ff0000", (string?)config["options"]!["style"]!["primary"]);
        Assert.Equal("#00ff00", (string?)config["options"]!["style"]!["footerColor"]);
        Assert.Null(config["options"]!["style"]!["background"]);
        Assert.Null(config["options"]!["devHints"]); // settings without DevHints (outside Development)
        Assert.Equal("login", (string?)config["internalOptions"]!["fetchOptionsParameters"]!["policy"]);
        Assert.Null(config["options"]!["encryptedOptions"]); // it does not load at once: no eo is spent on the page
        Assert.Empty(_state.PageEos);
        Assert.Equal("hidden", cut.Find("input[name=CrafyCAPTCHA_token]").GetAttribute("type"));
        // The only script is the settings' inert JSON, a child of the container (no inline code: enhanced navigation runs none).
        IElement settings = Assert.Single(cut.FindAll("script"));
        Assert.Equal("application/json", settings.GetAttribute("type"));
        Assert.Equal(container.Id, settings.ParentElement!.Id);
        Assert.Empty(settings.TextContent);
        Assert.Empty(cut.FindAll(".crafy-captcha-message"));
        Assert.Empty(_context.JSInterop.Invocations);
    }

    /// <summary>The widget's settings, from the container's inert JSON script (the only place the glue reads them).</summary>
    private static JsonNode Config<T>(IRenderedComponent<T> cut) where T : Microsoft.AspNetCore.Components.IComponent
        => JsonNode.Parse(cut.Find("div.crafy-captcha > script[type='application/json'][data-crafy-config]").GetAttribute("data-crafy-config")!)!;

    [Fact]
    public void A_static_widget_that_loads_at_once_carries_its_first_eo_and_an_interactive_one_does_not()
    {
        _context.SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        IRenderedComponent<Widget> page = _context.Render<Widget>(p => p.Add(c => c.Policy, "login"));

        JsonNode config = Config(page);
        Assert.Equal("eo_page_login_1", (string?)config["options"]!["encryptedOptions"]);
        Assert.Equal("/crafy-options", (string?)config["options"]!["optionsUrl"]); // every later eo comes from there

        _context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        _context.JSInterop.SetupModule(Widget.ModulePath).SetupVoid("init", _ => true).SetVoidResult();
        IRenderedComponent<Widget> interactive = _context.Render<Widget>(p => p.Add(c => c.Policy, "login"));

        Assert.Null(Config(interactive)["options"]!["encryptedOptions"]);
        Assert.Single(_state.PageEos);
    }

    [Fact]
    public void A_second_widget_names_its_numbered_field_for_the_server()
    {
        _context.SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        IRenderedComponent<Widget> cut = _context.Render<Widget>(p => p.Add(c => c.InputName, "CrafyCAPTCHA_token_2"));

        Assert.Equal("CrafyCAPTCHA_token_2", cut.Find("input[name=CrafyCAPTCHA_field]").GetAttribute("value"));
        Assert.Single(cut.FindAll("input[name=CrafyCAPTCHA_token_2]"));
        Assert.Equal("CrafyCAPTCHA_token_2", (string?)Config(cut)["options"]!["inputName"]);
    }

    [Fact]
    public void Without_a_public_token_the_container_says_so()
    {
        _context.SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        _state.PublicToken = null;

        IRenderedComponent<Widget> cut = _context.Render<Widget>();

        Assert.Equal("public_token_unavailable", cut.Find("div.crafy-captcha").GetAttribute("data-crafy-error"));
    }

    [Fact]
    public void A_failed_post_puts_the_message_into_the_EditContext_so_OnValidSubmit_does_not_run()
    {
        _context.SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        _state.RequestVerification = new CrafyCaptchaVerificationResult { IsValid = false, ErrorCode = "captcha_missing", Message = Missing };

        IRenderedComponent<TestForm> cut = _context.Render<TestForm>();
        cut.Find("form").Submit();

        Assert.Equal(Missing, cut.Find("ul.validation-errors li.validation-message").TextContent);
        Assert.Equal(Missing, cut.Find(".crafy-captcha-message").TextContent);
        Assert.Equal(0, cut.Instance.ValidSubmits);
        Assert.Equal(1, cut.Instance.InvalidSubmits);
    }

    [Fact]
    public void A_passed_post_lets_the_form_submit()
    {
        _context.SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        _state.RequestVerification = new CrafyCaptchaVerificationResult { IsValid = true };

        IRenderedComponent<TestForm> cut = _context.Render<TestForm>();
        cut.Find("form").Submit();

        Assert.Empty(cut.FindAll(".validation-message"));
        Assert.Equal(1, cut.Instance.ValidSubmits);
    }

    [Fact]
    public void Interactive_render_starts_the_widget_through_the_module_and_the_callbacks_reach_the_parameters()
    {
        _context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        BunitJSModuleInterop module = _context.JSInterop.SetupModule(Widget.ModulePath);
        module.SetupVoid("init", _ => true).SetVoidResult();
        var errors = new List<string>();
        int expired = 0;

        IRenderedComponent<TestForm> form = _context.Render<TestForm>();
        IRenderedComponent<Widget> cut = form.FindComponent<Widget>();
        cut.Render(p => p.Add(c => c.OnError, e => errors.Add(e)).Add(c => c.OnExpire, () => expired++));
        Assert.Equal("true", cut.Find("div.crafy-captcha").GetAttribute("data-crafy-interactive"));
        var callbacks = (DotNetObjectReference<Widget.WidgetCallbacks>)module.VerifyInvoke("init").Arguments[1]!;

        cut.InvokeAsync(() => callbacks.Value.Success("token-1"));
        Assert.Equal("token-1", cut.Instance.Token);
        Assert.Equal(["token-1"], form.Instance.Tokens);
        cut.InvokeAsync(() => callbacks.Value.Error("connection error"));
        Assert.Equal(["connection error"], errors);
        cut.InvokeAsync(() => callbacks.Value.Expire());
        Assert.Null(cut.Instance.Token);
        Assert.Equal(1, expired);
    }

    [Fact]
    public void Interactive_submit_before_the_widget_is_done_shows_the_missing_message_and_does_not_submit()
    {
        _context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        _context.JSInterop.SetupModule(Widget.ModulePath).SetupVoid("init", _ => true).SetVoidResult();

        IRenderedComponent<TestForm> cut = _context.Render<TestForm>();
        cut.Find("form").Submit();

        Assert.Equal(Missing, cut.Find("ul.validation-errors li.validation-message").TextContent);
        Assert.Equal(0, cut.Instance.ValidSubmits);
    }

    [Fact]
    public async Task VerifyAsync_sends_the_token_to_the_server_shows_a_failure_and_starts_a_fresh_challenge()
    {
        _context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        BunitJSModuleInterop module = _context.JSInterop.SetupModule(Widget.ModulePath);
        module.SetupVoid("init", _ => true).SetVoidResult();
        module.SetupVoid("reset", _ => true).SetVoidResult();
        _state.VerifyResult = new CrafyCaptchaVerificationResult { IsValid = false, ErrorCode = "captcha_replayed", Message = "Already used." };
        IRenderedComponent<TestForm> cut = _context.Render<TestForm>();
        var callbacks = (DotNetObjectReference<Widget.WidgetCallbacks>)module.VerifyInvoke("init").Arguments[1]!;
        await cut.InvokeAsync(() => callbacks.Value.Success("token-2"));

        bool passed = await cut.InvokeAsync(() => cut.Instance.Captcha.VerifyAsync());

        Assert.False(passed);
        Assert.Equal([("login", "token-2")], _state.Verified);
        Assert.Equal("Already used.", cut.Find("ul.validation-errors li.validation-message").TextContent);
        Assert.Null(cut.Instance.Captcha.Token);
        module.VerifyInvoke("reset");
    }

    [Fact]
    public async Task VerifyAsync_passes_a_good_token_and_clears_an_earlier_failure()
    {
        _context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        BunitJSModuleInterop module = _context.JSInterop.SetupModule(Widget.ModulePath);
        module.SetupVoid("init", _ => true).SetVoidResult();
        module.SetupVoid("reset", _ => true).SetVoidResult();
        IRenderedComponent<TestForm> cut = _context.Render<TestForm>();
        cut.Find("form").Submit(); // too early: the missing message
        var callbacks = (DotNetObjectReference<Widget.WidgetCallbacks>)module.VerifyInvoke("init").Arguments[1]!;
        await cut.InvokeAsync(() => callbacks.Value.Success("token-3"));

        bool passed = await cut.InvokeAsync(() => cut.Instance.Captcha.VerifyAsync());

        Assert.True(passed);
        Assert.Empty(cut.FindAll(".validation-message"));
    }

    public void Dispose() => _context.Dispose();
}
