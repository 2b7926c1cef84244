using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CrafyCaptcha.AspNetCore.Components.Tests;

/// <summary>The Blazor sample whose circuits give up on a JS interop call after 3 s (the default is a minute).</summary>
public sealed class ShortInteropTimeoutFixture : IAsyncLifetime
{
    private global::CrafyCaptcha.Testing.PersonBrowser? _browser;

    public static readonly TimeSpan InteropTimeout = TimeSpan.FromSeconds(3);

    public ShortInteropTimeoutApp App { get; } = new();

    public async Task InitializeAsync()
    {
        App.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        App.StartServer();
        _browser = await global::CrafyCaptcha.Testing.PersonBrowser.LaunchAsync();
    }

    public Task<IPage> NewPageAsync() => _browser!.NewPageAsync(App.ClientOptions.BaseAddress);

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        await App.DisposeAsync();
    }

    public sealed class ShortInteropTimeoutApp : BlazorIdentityApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(s => s.Configure<CircuitOptions>(o => o.JSInteropDefaultCallTimeout = InteropTimeout));
        }
    }
}

/// <summary>
/// The options endpoint fails (503, its store down) for longer than a circuit waits on a JS interop call: the
/// interactive component must not wait for the widget's first eo, or the call times out and the circuit dies.
/// </summary>
public sealed class OptionsOutageBrowserTests(ShortInteropTimeoutFixture fixture) : IClassFixture<ShortInteropTimeoutFixture>
{
    [Fact]
    public async Task An_interactive_Server_form_outlives_an_options_outage_longer_than_the_interop_timeout_and_passes_after_it()
    {
        IPage page = await fixture.NewPageAsync();
        bool failing = true;
        int refused = 0;
        await page.RouteAsync("**/crafy-options", route =>
        {
            if (!failing)
            {
                return route.ContinueAsync();
            }

            Interlocked.Increment(ref refused);
            return route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 503,
                ContentType = "application/problem+json",
                Body = """{"status":503,"code":"captcha_unavailable","title":"Captcha unavailable"}""",
            });
        });
        await page.GotoAsync("/contact");

        ILocator status = page.Locator("#crafy-captcha-CrafyCAPTCHA_token .crafy-status");
        await Assertions.Expect(status).ToHaveTextAsync("Temporarily unavailable. Try again", new() { Timeout = 30_000 });
        await Task.Delay(ShortInteropTimeoutFixture.InteropTimeout + TimeSpan.FromSeconds(2)); // past the interop timeout: the outage goes on
        Assert.True(refused >= 1);
        Assert.False(await page.IsVisibleAsync("#blazor-error-ui"), "the circuit died while the widget waited for its options");
        // The widget runs and says what happens; the component's start did not time out (no "cannot be checked" failure).
        Assert.Equal(0, await page.Locator(".crafy-captcha-message").CountAsync());

        failing = false; // the store is back: the widget's own retry (2 s, then 4 s…) gets an eo and the token
        await TypeAsync(page, "#contact-name", "Ines");
        await TypeAsync(page, "#contact-message", "Written during an outage of the options endpoint.");
        await page.WaitForFunctionAsync("() => (document.querySelector('input[name=\"CrafyCAPTCHA_token\"]')?.value || '').length > 100", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("#contact-sent:has-text('Thank you, Ines')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.False(await page.IsVisibleAsync("#blazor-error-ui"));
    }

    private static async Task TypeAsync(IPage page, string selector, string text)
    {
        await page.ClickAsync(selector);
        await page.Keyboard.TypeAsync(text, new KeyboardTypeOptions { Delay = 25 });
    }
}
