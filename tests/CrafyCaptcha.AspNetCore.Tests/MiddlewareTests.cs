using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.Tests;

/// <summary>
/// <c>UseCrafyCaptcha()</c> enforces <see cref="ICrafyCaptchaMetadata"/> on endpoints that have no filter of ours (as
/// <c>UseAntiforgery()</c> enforces antiforgery metadata), with the same error codes. That it verifies each request once
/// next to the MVC and endpoint filters is what the first sample's tests show: its pipeline calls it.
/// </summary>
public sealed class MiddlewareTests
{
    [Fact]
    public async Task An_endpoint_with_only_the_metadata_is_enforced_on_unsafe_methods()
    {
        int ran = 0;
        await using MiniApp app = await MiniApp.StartAsync(_ => { }, web =>
        {
            web.UseCrafyCaptcha();
            web.MapMethods("/plain", ["GET", "POST", "DELETE"], () => { ran++; return Results.Ok(); }).WithMetadata(new RequireCrafyCaptchaAttribute());
        });

        HttpResponseMessage missing = await app.PostAsync("/plain", new() { ["text"] = "hi" });
        HttpResponseMessage delete = await app.Client.DeleteAsync("/plain");
        Assert.Equal(0, ran);
        HttpResponseMessage get = await app.Client.GetAsync("/plain");
        HttpResponseMessage passed = await app.PostAsync("/plain", new() { [CrafyCaptchaHttpOptions.DefaultFormFieldName] = "any-token" });

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        JsonObject problem = await MiniApp.ProblemAsync(missing);
        Assert.Equal(CrafyCaptchaErrorCodes.Missing, (string?)problem["code"]);
        Assert.Equal(HttpStatusCode.BadRequest, delete.StatusCode);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
        Assert.Equal(2, ran);
    }

    [Fact]
    public async Task The_result_is_recorded_once_for_the_endpoint_to_read()
    {
        await using MiniApp app = await MiniApp.StartAsync(_ => { }, web =>
        {
            web.UseCrafyCaptcha();
            web.MapPost("/read", (HttpContext http) => Results.Text(http.GetCrafyCaptchaResult()?.IsValid.ToString())).WithMetadata(new RequireCrafyCaptchaAttribute());
        });

        HttpResponseMessage response = await app.PostAsync("/read", new() { [CrafyCaptchaHttpOptions.DefaultFormFieldName] = "any-token" });

        Assert.Equal("True", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ignore_on_the_endpoint_wins_over_a_group_requirement()
    {
        await using MiniApp app = await MiniApp.StartAsync(_ => { }, web =>
        {
            web.UseCrafyCaptcha();
            RouteGroupBuilder group = web.MapGroup("/g").WithMetadata(new RequireCrafyCaptchaAttribute());
            group.MapPost("/open", () => Results.Ok()).WithMetadata(new IgnoreCrafyCaptchaAttribute());
            group.MapPost("/closed", () => Results.Ok());
        });

        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync("/g/open", new() { ["x"] = "1" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.PostAsync("/g/closed", new() { ["x"] = "1" })).StatusCode);
    }
}
