using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using CrafyCaptcha.AspNetCore.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.Tests;

/// <summary>Messages a person understands: one per failure kind, localised by the request's UI culture, overridable per policy.</summary>
public sealed class MessageTests
{
    private static Task<MiniApp> StartLocalisedAsync(Action<ICrafyCaptchaBuilder>? policies = null) => MiniApp.StartAsync(
        c =>
        {
            c.AddFlowPolicy("strict", _ => { }).AddFlowPolicy("form", p => p.FailureMode = CrafyCaptchaFailureMode.ModelState);
            policies?.Invoke(c);
        },
        app => app.UseRequestLocalization(o => o.SetDefaultCulture("en").AddSupportedCultures("en", "es", "ja", "de").AddSupportedUICultures("en", "es", "ja", "de")));

    [Theory]
    [InlineData(FlowFailure.MissingToken, CrafyCaptchaFailureKind.Missing)]
    [InlineData(FlowFailure.Expired, CrafyCaptchaFailureKind.Expired)]
    [InlineData(FlowFailure.NonceNotFound, CrafyCaptchaFailureKind.Replayed)]
    [InlineData(FlowFailure.ContextMismatch, CrafyCaptchaFailureKind.WrongPolicy)]
    [InlineData(FlowFailure.StoreUnavailable, CrafyCaptchaFailureKind.Unavailable)]
    [InlineData(FlowFailure.RiskTooHigh, CrafyCaptchaFailureKind.TooRisky)]
    [InlineData(FlowFailure.BadSignature, CrafyCaptchaFailureKind.Invalid)]
    [InlineData(FlowFailure.MalformedToken, CrafyCaptchaFailureKind.Invalid)]
    [InlineData(FlowFailure.BadStatus, CrafyCaptchaFailureKind.Invalid)]
    [InlineData(FlowFailure.UndecryptableNonce, CrafyCaptchaFailureKind.Invalid)]
    public void Each_failure_has_the_english_message_of_its_kind(FlowFailure failure, CrafyCaptchaFailureKind kind)
    {
        using ServiceProvider services = Services();
        CrafyCaptchaGate gate = services.GetRequiredService<CrafyCaptchaGate>();

        CultureInfo before = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        try
        {
            Assert.Equal(kind, CrafyCaptchaErrorCodes.Kind(failure));
            Assert.Equal(Messages.English[kind], gate.Message(new CrafyFlowPolicy(), failure));
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public void Every_failure_kind_has_a_message_in_every_language_of_the_widget()
    {
        using ServiceProvider services = Services();
        CrafyCaptchaGate gate = services.GetRequiredService<CrafyCaptchaGate>();
        CultureInfo before = CultureInfo.CurrentUICulture;
        try
        {
            foreach (string language in new[] { "es", "fr", "pt", "de", "it", "ru", "zh", "ja", "hi" })
            {
                CultureInfo.CurrentUICulture = new CultureInfo(language);
                var texts = new HashSet<string>();
                foreach (CrafyCaptchaFailureKind kind in Enum.GetValues<CrafyCaptchaFailureKind>())
                {
                    string text = gate.Message(new CrafyFlowPolicy(), FailureOf(kind));
                    Assert.NotEqual(Messages.English[kind], text);            // translated, not the English fallback
                    Assert.NotEqual(kind.ToString(), text);                   // found, not the key
                    Assert.True(texts.Add(text), $"{language}: two kinds share the text '{text}'");
                }
            }
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Theory]
    [InlineData("es", "Completa el captcha antes de enviar el formulario.")]
    [InlineData("ja", "フォームを送信する前に、キャプチャを完了してください。")]
    [InlineData("de-DE,de;q=0.9", "Bitte lösen Sie das Captcha, bevor Sie das Formular absenden.")]
    [InlineData("nl", "Please complete the captcha before sending the form.")]
    public async Task The_problem_detail_is_in_the_requests_language_and_the_code_stays(string acceptLanguage, string expected)
    {
        await using MiniApp app = await StartLocalisedAsync();

        HttpResponseMessage response = await app.PostAsync("/forgetful/save", new() { ["Name"] = "Ana" }, acceptLanguage);
        JsonObject problem = await MiniApp.ProblemAsync(response);

        Assert.Equal(expected, (string)problem["detail"]!);
        Assert.Equal(CrafyCaptchaErrorCodes.Missing, (string)problem["code"]!);
    }

    [Fact]
    public async Task The_ModelState_error_is_in_the_requests_language()
    {
        await using MiniApp app = await StartLocalisedAsync();

        HttpResponseMessage response = await app.PostAsync("/careful/save", new() { ["Name"] = "Ana" }, "es");

        Assert.Equal("form again: Ana | CrafyCAPTCHA_token: Completa el captcha antes de enviar el formulario.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_policy_can_replace_the_message_of_a_kind()
    {
        await using MiniApp app = await StartLocalisedAsync(c => c.AddFlowPolicy("strict", p => p.Messages[CrafyCaptchaFailureKind.Missing] = "Tick the box to prove you are not a robot, then save again."));

        JsonObject overridden = await MiniApp.ProblemAsync(await app.PostAsync("/forgetful/save", new() { ["Name"] = "Ana" }, "es"));
        string otherPolicy = await (await app.PostAsync("/careful/save", new() { ["Name"] = "Ana" }, "es")).Content.ReadAsStringAsync();

        Assert.Equal("Tick the box to prove you are not a robot, then save again.", (string)overridden["detail"]!);
        Assert.Equal(CrafyCaptchaErrorCodes.Missing, (string)overridden["code"]!);
        Assert.EndsWith("Completa el captcha antes de enviar el formulario.", otherPolicy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Minimal_api_endpoints_answer_the_same_messages()
    {
        await using MiniApp app = await MiniApp.StartAsync(
            c => c.AddFlowPolicy("strict", _ => { }),
            web =>
            {
                web.UseRequestLocalization(o => o.SetDefaultCulture("en").AddSupportedUICultures("en", "fr"));
                web.MapPost("/minimal", () => Microsoft.AspNetCore.Http.Results.Ok()).RequireCrafyCaptcha("strict");
            });

        JsonObject problem = await MiniApp.ProblemAsync(await app.PostAsync("/minimal", new() { ["Name"] = "Ana" }, "fr"));

        Assert.Equal("Veuillez compléter le captcha avant d’envoyer le formulaire.", (string)problem["detail"]!);
    }

    private static FlowFailure FailureOf(CrafyCaptchaFailureKind kind)
        => Enum.GetValues<FlowFailure>().First(f => f != FlowFailure.None && CrafyCaptchaErrorCodes.Kind(f) == kind);

    private static ServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostEnvironment>(new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = "Development" });
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CrafyCaptcha:PublicKey"] = CrafyCaptchaTestCredentials.PublicKey,
            ["CrafyCaptcha:SecretKey"] = CrafyCaptchaTestCredentials.AlwaysPassesSecretKey,
        }).Build());
        services.AddCrafyCaptcha();
        return services.BuildServiceProvider();
    }
}
