using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace CrafyCaptcha.Server.ControlPanel.Tests;

/// <summary>A plan changed in the panel: a new public token at once; a bearer issued before keeps its old limits.</summary>
public sealed class PlanChangeTests : IAsyncLifetime
{
    private PanelHost _host = null!;

    public async Task InitializeAsync() => _host = await PanelHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_bearer_issued_before_a_plan_change_keeps_its_old_limits_until_it_authenticates_again()
    {
        HttpClient admin = _host.Client();
        (string pk, string pt, string secret, _) = await PanelHost.CreateThroughPageAsync(admin);
        HttpClient api = _host.Client(null);

        JsonObject before = await AuthenticateAsync(api, pk, secret);
        Assert.Equal(pt, (string)before["public_token"]!);
        Assert.Equal("starter", Plan((string)before["token"]!));

        Assert.Equal(HttpStatusCode.Redirect, (await PanelHost.PostFormAsync(admin, "/crafy/admin/credentials/" + pk, $"/crafy/admin/credentials/{pk}/plan", new() { ["plan"] = "scale" })).StatusCode);

        // The old bearer still says starter, and the engine holds it to starter's burst of 2 a second.
        string oldBearer = (string)before["token"]!;
        // Six at once: a slow machine cannot spread them over more than a second, and split over two of the limiter's
        // one-second windows, one window still gets three.
        HttpStatusCode[] statuses = [.. (await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => CheckFlowAsync(api, oldBearer)))).Select(r => r.StatusCode)];

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);

        JsonObject after = await AuthenticateAsync(api, pk, secret);
        Assert.Equal("scale", Plan((string)after["token"]!));
        Assert.NotEqual(pt, (string)after["public_token"]!);
        for (int i = 0; i < 4; i++)
        {
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await CheckFlowAsync(api, (string)after["token"]!)).StatusCode);
        }
    }

    private static async Task<JsonObject> AuthenticateAsync(HttpClient client, string publicKey, string secretKey)
    {
        HttpResponseMessage response = await client.PostAsJsonAsync("/crafy/api/?action=authenticate", new { public_key = publicKey, secret_key = secretKey });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["data"]!.AsObject();
    }

    private static async Task<HttpResponseMessage> CheckFlowAsync(HttpClient client, string bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/crafy/api/?action=check_flow") { Content = JsonContent.Create(new { flow_token = "nope" }) };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        return await client.SendAsync(request);
    }

    private static string Plan(string jwt)
        => (string)JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(Pad(jwt.Split('.')[1]))))!["plan"]!;

    private static string Pad(string base64Url)
    {
        string s = base64Url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - (s.Length % 4)) % 4);
    }
}
