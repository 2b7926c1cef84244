using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The proof-of-work split into parts (<c>PowParts</c>, 8 by default): never less work than one challenge, and an answer
/// that leaves a part out, repeats one, or borrows one from another flow earns nothing — attacked over plain HTTP as a
/// script would.
/// </summary>
public sealed class PowPartsTests
{
    private static async Task<(EngineApp App, ChallengePage Challenge)> OpenAsync(IDictionary<string, string?>? settings = null)
    {
        var app = new EngineApp(settings: settings);
        PageInit page = await app.OpenPageAsync("/Comments");
        ChallengePage challenge = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "comments"))).Content.ReadAsStringAsync());
        return (app, challenge);
    }

    private static JsonObject Answer(ChallengePage challenge, JsonNode? parts)
    {
        JsonObject pow = challenge.Pow;
        return new JsonObject
        {
            ["flow_token"] = challenge.FlowToken,
            ["pow"] = new JsonObject { ["algorithm"] = (string)pow["algorithm"]!, ["challenge"] = (string)pow["challenge"]!, ["number"] = EngineApp.Solve(pow), ["salt"] = (string)pow["salt"]!, ["signature"] = (string)pow["signature"]! },
            ["pow_parts"] = parts,
        };
    }

    internal static async Task<(HttpStatusCode Status, string? Error)> PostAsync(EngineApp app, JsonObject body)
    {
        await Task.Delay(60); // as long as a browser needs to run the page at least
        HttpResponseMessage response = await app.Client.PostAsJsonAsync("/crafy/challenge/verify", body);
        JsonObject json = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return (response.StatusCode, (string?)json["error"]);
    }

    [Fact]
    public async Task The_work_is_split_into_eight_parts_that_together_search_no_less_than_one_challenge()
    {
        (EngineApp split, ChallengePage challenge) = await OpenAsync();
        (EngineApp single, ChallengePage whole) = await OpenAsync(new Dictionary<string, string?> { ["CrafyChallengeServer:PowParts"] = "1" });
        using (split)
        using (single)
        {
            JsonArray parts = challenge.Pow["parts"]!.AsArray();
            Assert.Equal(7, parts.Count);
            Assert.Null(whole.Pow["parts"]);
            int total = (int)challenge.Pow["maxnumber"]! + parts.Sum(p => (int)p!["maxnumber"]!);
            int unsplit = (int)whole.Pow["maxnumber"]!;
            Assert.True(total >= unsplit, $"{total} searched in parts, {unsplit} in one challenge");
            Assert.True(total < unsplit + 8, $"{total} searched in parts, {unsplit} in one challenge");

            // Every part a distinct ALTCHA challenge of the same flow, each salt naming the number of parts.
            JsonObject[] all = [challenge.Pow, .. parts.Select(p => p!.AsObject())];
            Assert.Equal(8, all.Select(p => (string)p["challenge"]!).Distinct().Count());
            Assert.All(all, p => Assert.Contains($"&flow={challenge.FlowToken}&", (string)p["salt"]!, StringComparison.Ordinal));
            Assert.All(all, p => Assert.EndsWith("&parts=8", (string)p["salt"]!, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task All_parts_answered_earn_a_token()
    {
        (EngineApp app, ChallengePage challenge) = await OpenAsync();
        using (app)
        {
            Assert.Equal((HttpStatusCode.OK, null), await PostAsync(app, Answer(challenge, EngineApp.SolveParts(challenge.Pow))));
        }
    }

    [Theory]
    [InlineData("none")]
    [InlineData("one missing")]
    [InlineData("the first part again")]
    [InlineData("one part twice")]
    [InlineData("one part too many")]
    public async Task An_answer_that_leaves_parts_out_or_repeats_one_is_refused(string attack)
    {
        (EngineApp app, ChallengePage challenge) = await OpenAsync();
        using (app)
        {
            JsonArray solved = EngineApp.SolveParts(challenge.Pow)!;
            JsonNode? parts = attack switch
            {
                "none" => null,
                "one missing" => new JsonArray([.. solved.Skip(1).Select(p => p!.DeepClone())]),
                "the first part again" => Replace(solved, 0, Answer(challenge, null)["pow"]!),
                "one part twice" => Replace(solved, 1, solved[0]!),
                _ => new JsonArray([.. solved.Select(p => p!.DeepClone()), solved[0]!.DeepClone()]),
            };

            (HttpStatusCode status, string? error) = await PostAsync(app, Answer(challenge, parts));

            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("pow_incomplete", error);

            // The flow was not spent by the refused answer: the honest answer still passes.
            Assert.Equal((HttpStatusCode.OK, null), await PostAsync(app, Answer(challenge, EngineApp.SolveParts(challenge.Pow))));
        }
    }

    [Fact]
    public async Task A_part_with_a_wrong_number_or_from_another_flow_is_refused()
    {
        (EngineApp app, ChallengePage challenge) = await OpenAsync();
        using (app)
        {
            PageInit page = await app.OpenPageAsync("/Comments");
            ChallengePage other = EngineApp.ReadChallenge(await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "comments"))).Content.ReadAsStringAsync());

            JsonArray wrong = EngineApp.SolveParts(challenge.Pow)!;
            wrong[3]!["number"] = (long)wrong[3]!["number"]! + 1;
            Assert.Equal((HttpStatusCode.BadRequest, "pow_wrong_answer"), await PostAsync(app, Answer(challenge, wrong)));

            JsonArray borrowed = EngineApp.SolveParts(challenge.Pow)!;
            borrowed[5] = EngineApp.SolveParts(other.Pow)![5]!.DeepClone();
            Assert.Equal((HttpStatusCode.BadRequest, "pow_other_flow"), await PostAsync(app, Answer(challenge, borrowed)));

            // A part's signature is compared as the engine wrote it (lower-case hex, in fixed time): the same MAC in
            // upper case, one digit changed, or cut short is refused.
            foreach (Func<string, string> forge in new Func<string, string>[] { s => s.ToUpperInvariant(), s => (s[0] == '0' ? "1" : "0") + s[1..], s => s[..^2] })
            {
                JsonArray forged = EngineApp.SolveParts(challenge.Pow)!;
                forged[2]!["signature"] = forge((string)forged[2]!["signature"]!);
                Assert.Equal((HttpStatusCode.BadRequest, "pow_invalid"), await PostAsync(app, Answer(challenge, forged)));
            }

            // None of the refusals spent the flow.
            Assert.Equal((HttpStatusCode.OK, null), await PostAsync(app, Answer(challenge, EngineApp.SolveParts(challenge.Pow))));
        }
    }

    private static JsonArray Replace(JsonArray parts, int index, JsonNode with)
    {
        var copy = new JsonArray([.. parts.Select(p => p!.DeepClone())]);
        copy[index] = with.DeepClone();
        return copy;
    }
}
