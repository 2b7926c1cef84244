using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json.Nodes;
using CrafyCaptcha.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.Docs.Tests;

/// <summary>
/// The reference's "Error codes" and "Why a token is rejected" tables (docs/reference.md) tell the truth: every code with the status the code
/// really answers, every <see cref="FlowFailure"/> with its value.
/// </summary>
public sealed class ErrorTableTests
{
    private const string UnknownPolicy = "nope";

    [Fact]
    public void Every_FlowFailure_has_its_code_and_status_in_the_error_table()
    {
        IReadOnlyList<string[]> rows = Table("Error codes");

        foreach (FlowFailure failure in Enum.GetValues<FlowFailure>().Where(f => f != FlowFailure.None))
        {
            string code = CrafyCaptchaErrorCodes.For(failure);
            int status = CrafyCaptchaErrorCodes.StatusCode(failure);
            string[][] matching = [.. rows.Where(r => r[0] == $"`{code}`")];

            string[] row = Assert.Single(matching);
            Assert.True(row[1] == status.ToString(CultureInfo.InvariantCulture), $"{code} ({failure}): the table says {row[1]}, the code answers {status}");
            Assert.True(row[^1].Contains($"`{failure}`", StringComparison.Ordinal), $"{code}: the cause should name `{failure}`: {row[^1]}");
            string kind = CrafyCaptchaErrorCodes.Kind(failure).ToString();
            Assert.True(row[2] == $"`{kind}`", $"{code} ({failure}): the table's kind is {row[2]}, the code's is `{kind}`");
        }
    }

    [Fact]
    public void Every_error_code_constant_is_in_the_table_and_the_table_has_no_other_code()
    {
        string[] constants = [.. typeof(CrafyCaptchaErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)];
        string[] inTable = [.. Table("Error codes").Select(r => r[0].Trim('`')).Distinct()];

        Assert.NotEmpty(constants);
        Assert.Empty(constants.Except(inTable));
        Assert.Empty(inTable.Except(constants));
    }

    [Fact]
    public void Every_FlowFailure_is_in_the_rejection_table_with_its_value()
    {
        Dictionary<string, string> rows = Table("Why a token is rejected").ToDictionary(r => r[0], r => r[1]);

        foreach (FlowFailure failure in Enum.GetValues<FlowFailure>().Where(f => f != FlowFailure.None))
        {
            Assert.True(rows.TryGetValue($"`{failure}`", out string? value), $"`{failure}` is missing from \"Why a token is rejected\"");
            string actual = ((int)failure).ToString(CultureInfo.InvariantCulture);
            Assert.True(actual == value, $"`{failure}`: the table says {value}, the enum's value is {actual}");
        }

        Assert.Equal(Enum.GetValues<FlowFailure>().Length - 1, rows.Count);
    }

    [Fact]
    public async Task The_unknown_policy_rows_tell_what_each_place_answers()
    {
        await using WebApplication app = await StartAppAsync();
        using HttpClient client = app.GetTestClient();

        // The endpoint filter of a minimal API naming a policy that was never added: a configuration error.
        using HttpResponseMessage filter = await client.PostAsync(new Uri("/filtered", UriKind.Relative), new StringContent(""));
        JsonObject filterProblem = (await filter.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(CrafyCaptchaErrorCodes.UnknownPolicy, (string?)filterProblem["code"]);

        // The options endpoint asked by a client for a policy that does not exist: a bad request.
        using HttpResponseMessage options = await client.PostAsJsonAsync(new Uri("/crafy-options", UriKind.Relative), new { action = "get_options", policy = UnknownPolicy });
        JsonObject optionsProblem = (await options.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(CrafyCaptchaErrorCodes.UnknownPolicy, (string?)optionsProblem["code"]);

        // An MVC action with such an attribute: the same configuration error, the action never runs.
        using HttpResponseMessage mvc = await client.PostAsync(new Uri("/mvc-unknown-policy", UriKind.Relative), new StringContent(""));
        Assert.Equal(HttpStatusCode.InternalServerError, mvc.StatusCode);
        Assert.Equal(CrafyCaptchaErrorCodes.UnknownPolicy, (string?)(await mvc.Content.ReadFromJsonAsync<JsonObject>())!["code"]);

        string[][] rows = [.. Table("Error codes").Where(r => r[0] == $"`{CrafyCaptchaErrorCodes.UnknownPolicy}`")];
        string[] optionsRow = Assert.Single(rows, r => r[^1].Contains("options endpoint", StringComparison.Ordinal));
        string[] filterRow = Assert.Single(rows, r => !r[^1].Contains("options endpoint", StringComparison.Ordinal));
        string optionsStatus = ((int)options.StatusCode).ToString(CultureInfo.InvariantCulture);
        string filterStatus = ((int)filter.StatusCode).ToString(CultureInfo.InvariantCulture);
        Assert.True(optionsRow[1] == optionsStatus, $"options endpoint, unknown policy: the table says {optionsRow[1]}, the endpoint answers {optionsStatus}");
        Assert.True(filterRow[1] == filterStatus, $"endpoint filter, unknown policy: the table says {filterRow[1]}, the filter answers {filterStatus}");
        Assert.Equal(HttpStatusCode.BadRequest, options.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, filter.StatusCode);
        Assert.Contains("[RequireCrafyCaptcha(name)]", filterRow[^1], StringComparison.Ordinal); // the MVC attribute's behaviour is told too
    }

    private static List<string[]> Table(string heading) => MarkdownTables.Rows("docs/reference.md", heading);

    private static async Task<WebApplication> StartAppAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Configuration["CrafyCaptcha:SecretKey"] = CrafyCaptchaTestCredentials.AlwaysPassesSecretKey;
        builder.Configuration["CrafyCaptcha:PublicKey"] = CrafyCaptchaTestCredentials.PublicKey;
        builder.Configuration["CrafyCaptcha:SigningPublicKey"] = CrafyCaptchaTestCredentials.SigningPublicKey;
        builder.Services.AddCrafyCaptcha(o => o.OptionsEndpointRequiresAntiforgery = false);
        builder.Services.AddControllers().AddApplicationPart(typeof(UnknownPolicyController).Assembly);

        WebApplication app = builder.Build();
        app.MapPost("/filtered", () => "ok").RequireCrafyCaptcha(UnknownPolicy);
        app.MapCrafyOptions();
        app.MapControllers();
        await app.StartAsync();
        return app;
    }

}

/// <summary>An MVC action protected by a policy that was never added.</summary>
[ApiController]
public sealed class UnknownPolicyController : ControllerBase
{
    /// <summary>Never reached.</summary>
    [HttpPost("/mvc-unknown-policy"), RequireCrafyCaptcha("nope")]
    public IActionResult Post() => Ok();
}
