using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.Tests;

/// <summary>
/// The failure mode of [RequireCrafyCaptcha]: Reject (the default) short-circuits before the action runs, so an
/// action that forgets ModelState cannot be passed without a token; ModelState mode runs the action with an error.
/// </summary>
public sealed class FailureModeTests
{
    private static readonly Dictionary<string, string> NoToken = new() { ["Name"] = "Ana <3" };

    private static Dictionary<string, string> WithToken => new() { ["Name"] = "Ana <3", ["CrafyCAPTCHA_token"] = "any token passes with the test credential" };

    private static Task<MiniApp> StartAsync(Action<CrafyCaptchaHttpOptions>? options = null) => MiniApp.StartAsync(
        c => c.AddFlowPolicy("strict", _ => { }).AddFlowPolicy("form", p => p.FailureMode = CrafyCaptchaFailureMode.ModelState),
        options: options);

    [Fact]
    public void Reject_is_the_default_of_a_policy()
        => Assert.Equal(CrafyCaptchaFailureMode.Reject, new CrafyFlowPolicy().FailureMode);

    [Fact]
    public async Task Reject_mode_an_action_that_ignores_ModelState_cannot_be_passed_without_a_token()
    {
        await using MiniApp app = await StartAsync();

        HttpResponseMessage rejected = await app.PostAsync("/forgetful/save", NoToken);
        JsonObject problem = await MiniApp.ProblemAsync(rejected);
        bool ranWithoutToken = !app.Ran.IsEmpty;
        HttpResponseMessage accepted = await app.PostAsync("/forgetful/save", WithToken);

        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Equal(CrafyCaptchaErrorCodes.Missing, (string)problem["code"]!);
        Assert.Equal(Messages.English[CrafyCaptchaFailureKind.Missing], (string)problem["detail"]!);
        Assert.False(ranWithoutToken, "the action ran for a request without a token");
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        Assert.Equal(["saved Ana <3"], app.Ran);
    }

    [Fact]
    public async Task Reject_mode_applies_to_every_unsafe_method_and_leaves_safe_ones_alone()
    {
        await using MiniApp app = await StartAsync();

        HttpResponseMessage delete = await app.Client.DeleteAsync("/forgetful/item");
        HttpResponseMessage get = await app.Client.GetAsync("/forgetful/item");

        Assert.Equal(CrafyCaptchaErrorCodes.Missing, (string)(await MiniApp.ProblemAsync(delete))["code"]!);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(["read"], app.Ran);
    }

    [Fact]
    public async Task Reject_mode_uses_OnRejected_as_minimal_apis_do()
    {
        await using MiniApp app = await StartAsync(o => o.OnRejected = ctx =>
        {
            ctx.HttpContext.Response.Redirect($"/form-again?reason={ctx.ErrorCode}");
            return ValueTask.CompletedTask;
        });

        HttpResponseMessage response = await app.PostAsync("/forgetful/save", NoToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/form-again?reason=captcha_missing", response.Headers.Location!.OriginalString);
        Assert.True(app.Ran.IsEmpty);
    }

    [Fact]
    public async Task ModelState_mode_runs_the_action_with_the_error_and_the_users_input()
    {
        await using MiniApp app = await StartAsync();

        HttpResponseMessage response = await app.PostAsync("/careful/save", NoToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"form again: Ana <3 | CrafyCAPTCHA_token: {Messages.English[CrafyCaptchaFailureKind.Missing]}", await response.Content.ReadAsStringAsync());
        Assert.True(app.Ran.IsEmpty);
    }

    [Fact]
    public async Task The_attribute_can_pin_the_mode_over_the_policys()
    {
        await using MiniApp app = await StartAsync();

        HttpResponseMessage pinnedReject = await app.PostAsync("/pinned/reject", NoToken);      // policy "form" says ModelState
        HttpResponseMessage pinnedModelState = await app.PostAsync("/pinned/form", NoToken);    // policy "strict" says Reject

        Assert.Equal(CrafyCaptchaErrorCodes.Missing, (string)(await MiniApp.ProblemAsync(pinnedReject))["code"]!);
        Assert.Equal(HttpStatusCode.OK, pinnedModelState.StatusCode);
        Assert.Equal("invalid", await pinnedModelState.Content.ReadAsStringAsync());
        Assert.True(app.Ran.IsEmpty);
    }

    [Fact]
    public async Task An_unknown_policy_never_runs_the_action()
    {
        await using MiniApp app = await StartAsync();

        HttpResponseMessage response = await app.PostAsync("/pinned/unknown", WithToken);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(CrafyCaptchaErrorCodes.UnknownPolicy, (string)(await MiniApp.ProblemAsync(response))["code"]!);
        Assert.True(app.Ran.IsEmpty);
    }

    [Fact]
    public async Task A_razor_page_handler_in_reject_mode_is_short_circuited()
    {
        using var sample = new SampleApp
        {
            ConfigureServices = s => s.Configure<CrafyCaptchaHttpOptions>(o => o.AddPolicy("register", p => p.FailureMode = CrafyCaptchaFailureMode.Reject)),
        };
        using HttpClient client = sample.Client();

        HttpResponseMessage response = await SampleApp.PostFormAsync(client, "/Register", "/Register", new() { ["Input.UserName"] = "ana", ["Input.Email"] = "ana@example.com" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(CrafyCaptchaErrorCodes.Missing, (string)(await SampleApp.ProblemAsync(response))["code"]!);
    }
}

public sealed class SaveInput
{
    public string Name { get; set; } = string.Empty;
}

/// <summary>The tester's case: saves and redirects without looking at ModelState.</summary>
[Route("forgetful")]
[RequireCrafyCaptcha("strict")]
public sealed class ForgetfulController(ConcurrentQueue<string> ran) : Controller
{
    [HttpPost("save")]
    public IActionResult Save([FromForm] SaveInput input)
    {
        ran.Enqueue($"saved {input.Name}");
        return Redirect("/done");
    }

    [HttpDelete("item")]
    public IActionResult Delete()
    {
        ran.Enqueue("deleted");
        return NoContent();
    }

    [HttpGet("item")]
    public IActionResult Read()
    {
        ran.Enqueue("read");
        return Ok();
    }
}

/// <summary>A form that re-renders: ModelState mode, and the action checks ModelState.IsValid.</summary>
[Route("careful")]
[RequireCrafyCaptcha("form")]
public sealed class CarefulController(ConcurrentQueue<string> ran) : Controller
{
    [HttpPost("save")]
    public IActionResult Save([FromForm] SaveInput input)
    {
        if (!ModelState.IsValid)
        {
            string errors = string.Join("; ", ModelState.Where(e => e.Value!.Errors.Count > 0).Select(e => $"{e.Key}: {e.Value!.Errors[0].ErrorMessage}"));
            return Content($"form again: {input.Name} | {errors}");
        }

        ran.Enqueue($"saved {input.Name}");
        return Redirect("/done");
    }
}

[Route("pinned")]
public sealed class PinnedController(ConcurrentQueue<string> ran) : Controller
{
    [HttpPost("reject")]
    [RequireCrafyCaptcha("form", FailureMode = CrafyCaptchaFailureMode.Reject)]
    public IActionResult Reject()
    {
        ran.Enqueue("reject");
        return Ok();
    }

    [HttpPost("form")]
    [RequireCrafyCaptcha("strict", FailureMode = CrafyCaptchaFailureMode.ModelState)]
    public IActionResult Form()
    {
        if (!ModelState.IsValid)
        {
            return Content("invalid");
        }

        ran.Enqueue("form");
        return Ok();
    }

    [HttpPost("unknown")]
    [RequireCrafyCaptcha("never-added", FailureMode = CrafyCaptchaFailureMode.ModelState)]
    public IActionResult Unknown()
    {
        ran.Enqueue("unknown");
        return Ok();
    }
}
