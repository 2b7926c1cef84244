using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// Issue 22, item 4: on the checkbox rung (only an elevated score reaches it) a pass by keyboard or touch, the cheapest
/// trails to forge, pays an extra proof-of-work that the page carries; a pointer's pass does not; the extra challenge
/// is no stand-in for the flow's own and is used once.
/// </summary>
public sealed class KeyboardWorkTests
{
    private static readonly Dictionary<string, string?> CheckboxRung = new()
    {
        ["CrafyChallengeServer:Risk:CheckboxThreshold"] = "0",
        ["CrafyChallengeServer:Risk:SliderThreshold"] = "0.99",
        ["CrafyChallengeServer:Risk:ConnectThreshold"] = "1",
        ["CrafyChallengeServer:Risk:IpFreeLoads"] = "10000",
        ["CrafyChallengeServer:Risk:IpLoadsRefused"] = "20000",
        ["CrafyChallengeServer:Risk:FreeFailures"] = "10000",
    };

    private static readonly (string, string)[] BrowserHeaders = InstrumentationTests.BrowserHeaders;

    private static JsonObject TouchTrail()
        => new() { ["kind"] = "touch", ["events"] = new JsonArray(new JsonArray(1, 820.5, 40.2, 21.7), new JsonArray(2, 911.3, 40.6, 21.9)) };

    private static async Task<ChallengePage> LoadAsync(EngineApp app, PageInit page, string policy = "login")
    {
        using HttpResponseMessage load = await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, policy), extraHeaders: BrowserHeaders);
        return EngineApp.ReadChallenge(await load.Content.ReadAsStringAsync());
    }

    private static async Task<(HttpStatusCode Status, string? Error)> AnswerAsync(EngineApp app, ChallengePage challenge, JsonObject trail, JsonObject? surcharge)
    {
        using HttpResponseMessage answer = await app.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow), trail, surcharge: surcharge);
        return (answer.StatusCode, (string?)(await answer.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
    }

    [Fact]
    public async Task A_keyboard_or_touch_pass_on_the_checkbox_pays_the_extra_work_and_a_pointer_pass_does_not()
    {
        using var app = new EngineApp(settings: CheckboxRung);
        PageInit page = await app.OpenPageAsync("/Account/Login");

        ChallengePage challenge = await LoadAsync(app, page);
        Assert.True(challenge.NeedsCheckbox);
        JsonObject surcharge = Assert.IsType<JsonObject>(challenge.Surcharge);
        Assert.Equal((int)challenge.Pow["maxnumber"]! * ((challenge.Pow["parts"] as JsonArray)?.Count + 1 ?? 1), (int)surcharge["maxnumber"]!, tolerance: 16); // as much again (the default factor 1)

        // Without the extra work: refused, for the keyboard and for touch; the flow is spent by the refusal.
        Assert.Equal((HttpStatusCode.BadRequest, "pow_incomplete"), await AnswerAsync(app, challenge, EngineApp.KeyboardTrail(), null));
        ChallengePage touch = await LoadAsync(app, page);
        Assert.Equal((HttpStatusCode.BadRequest, "pow_incomplete"), await AnswerAsync(app, touch, TouchTrail(), null));

        // With it: accepted. A pointer's pass needs none.
        ChallengePage keyboard = await LoadAsync(app, page);
        Assert.Equal((HttpStatusCode.OK, null), await AnswerAsync(app, keyboard, EngineApp.KeyboardTrail(), keyboard.Surcharge));
        ChallengePage tap = await LoadAsync(app, page);
        Assert.Equal((HttpStatusCode.OK, null), await AnswerAsync(app, tap, TouchTrail(), tap.Surcharge));
        ChallengePage pointer = await LoadAsync(app, page);
        Assert.Equal((HttpStatusCode.OK, null), await AnswerAsync(app, pointer, EngineApp.PointerTrail(3), null));
    }

    [Fact]
    public async Task The_extra_challenge_is_bound_to_its_flow_and_no_stand_in_for_the_flows_own_work()
    {
        using var app = new EngineApp(settings: CheckboxRung);
        PageInit page = await app.OpenPageAsync("/Account/Login");

        // Another flow's extra work: refused.
        ChallengePage first = await LoadAsync(app, page), second = await LoadAsync(app, page);
        Assert.Equal((HttpStatusCode.BadRequest, "pow_incomplete"), await AnswerAsync(app, second, EngineApp.KeyboardTrail(), first.Surcharge));

        // The extra challenge in place of the flow's own proof-of-work (one challenge, no parts): refused.
        ChallengePage third = await LoadAsync(app, page);
        using HttpResponseMessage swapped = await app.AnswerAsync(third.FlowToken, third.Surcharge!, EngineApp.Solve(third.Surcharge!), EngineApp.PointerTrail(4));
        Assert.Equal(HttpStatusCode.BadRequest, swapped.StatusCode);
        Assert.Equal("pow_invalid", (string?)(await swapped.Content.ReadFromJsonAsync<JsonObject>())!["error"]);

        // An invisible flow carries none.
        using var quiet = new EngineApp();
        PageInit comments = await quiet.OpenPageAsync("/Comments");
        ChallengePage invisible = await LoadAsync(quiet, comments, "comments");
        Assert.False(invisible.Interactive);
        Assert.Null(invisible.Surcharge);
    }

    [Fact]
    public async Task A_factor_of_zero_turns_the_extra_work_off()
    {
        using var app = new EngineApp(settings: new Dictionary<string, string?>(CheckboxRung) { ["CrafyChallengeServer:Risk:KeyboardOrTouchWorkFactor"] = "0" });
        PageInit page = await app.OpenPageAsync("/Account/Login");
        ChallengePage challenge = await LoadAsync(app, page);
        Assert.True(challenge.NeedsCheckbox);
        Assert.Null(challenge.Surcharge);
        Assert.Equal((HttpStatusCode.OK, null), await AnswerAsync(app, challenge, EngineApp.KeyboardTrail(), null));
    }
}
