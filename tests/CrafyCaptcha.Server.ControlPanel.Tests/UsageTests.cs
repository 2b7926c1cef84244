using System.Net;
using System.Security.Cryptography;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Server.ControlPanel.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.Server.ControlPanel.Tests;

/// <summary>The engine's usage events, counted per credential and day, written in the background, shown by the panel.</summary>
public sealed class UsageTests : IAsyncLifetime
{
    private PanelHost _host = null!;

    public async Task InitializeAsync() => _host = await PanelHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Flows_and_refusals_are_counted_per_credential_and_day_and_shown_on_its_page()
    {
        HttpClient admin = _host.Client();
        (string pk, string pt, string secret, _) = await PanelHost.CreateThroughPageAsync(admin, domains: "shop.example");
        using var box = new SecretBox(secret);

        for (int i = 0; i < 2; i++)
        {
            string eo = box.Seal("{\"mode\":\"hidden\",\"nonce\":\"" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\"}");
            Assert.Equal(HttpStatusCode.OK, (await _host.OpenChallengeAsync(pt, "https://shop.example", eo)).Status);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await _host.OpenChallengeAsync(pt, "https://evil.example")).Status);

        UsageRecorder recorder = _host.App.Services.GetRequiredService<UsageRecorder>();
        await recorder.FlushAsync();
        CredentialRepository repository = _host.App.Services.GetRequiredService<CredentialRepository>();
        DailyUsage today = Assert.Single(await repository.UsageAsync(pk, 1));
        Assert.Equal(2, today.Flows);
        Assert.Equal(1, today.Refusals);
        Assert.Equal(0, today.Passes);
        Assert.Equal(2, today.RiskHistogram.Sum());
        Assert.Empty(await repository.UsageAsync(PanelHost.ConfiguredPublicKey, 1));

        // A second batch adds to the same row.
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.OpenChallengeAsync(pt, "https://evil.example")).Status);
        await recorder.FlushAsync();
        Assert.Equal(2, Assert.Single(await repository.UsageAsync(pk, 1)).Refusals);

        string page = await admin.GetStringAsync("/crafy/admin/credentials/" + pk);
        Assert.Matches(@"<th scope=""row"">\d{4}-\d{2}-\d{2}</th><td>2</td><td>0</td><td>2</td><td>0</td>", page);
    }
}
