using System.Text.Json.Nodes;

namespace CrafyCaptcha.Tests;

/// <summary>
/// Tokens bound to the visitor (<see cref="FlowOptions.Visitor"/>): only the visitor the flow was made for may post its
/// token; the binding never reaches the browser; a flow made without one is a bearer token as before.
/// </summary>
public sealed class VisitorBindingTests
{
    private static readonly string Secret = Vectors.SecretKey("k1");
    private const string Visitor = "visitor-a-9f2c1e0b7d";

    [Fact]
    public async Task A_bound_token_is_accepted_for_its_visitor_only_and_is_spent_by_a_wrong_one()
    {
        using var host = new TestHost(Secret);
        var policy = new JsonObject { ["policy"] = "comments" };

        string right = await BoundTokenAsync(host, Visitor);
        Assert.True((await host.Captcha.VerifyFlowAsync(right, policy, Visitor)).IsValid);

        string stolen = await BoundTokenAsync(host, Visitor);
        FlowVerification other = await host.Captcha.VerifyFlowAsync(stolen, policy, "visitor-b-11aa22bb33");
        Assert.Equal(FlowFailure.WrongVisitor, other.Failure);
        Assert.Equal(FlowFailure.NonceNotFound, (await host.Captcha.VerifyFlowAsync(stolen, policy, Visitor)).Failure); // spent

        string noVisitor = await BoundTokenAsync(host, Visitor);
        Assert.Equal(FlowFailure.WrongVisitor, (await host.Captcha.VerifyFlowAsync(noVisitor, policy, visitor: null)).Failure);

        string contextOnly = await BoundTokenAsync(host, Visitor);
        Assert.Equal(FlowFailure.WrongVisitor, (await host.Captcha.VerifyFlowAsync(contextOnly, policy)).Failure);
    }

    [Fact]
    public async Task An_unbound_flow_ignores_the_visitor_and_the_context_check_still_applies()
    {
        using var host = new TestHost(Secret);
        string eo = await host.Captcha.CreateFlowAsync(new FlowOptions { Context = new JsonObject { ["policy"] = "api" } });
        string token = TokenMinter.Token(Secret, FlowTests.OpenNonce(eo, out _), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.True((await host.Captcha.VerifyFlowAsync(token, new JsonObject { ["policy"] = "api" }, "any-visitor")).IsValid);

        string bound = await BoundTokenAsync(host, Visitor);
        Assert.Equal(FlowFailure.ContextMismatch, (await host.Captcha.VerifyFlowAsync(bound, new JsonObject { ["policy"] = "login" }, Visitor)).Failure);
    }

    [Fact]
    public async Task The_binding_stays_server_side_as_a_keyed_hash_and_the_reserved_key_cannot_be_forged()
    {
        using var host = new TestHost(Secret);
        string eo = await host.Captcha.CreateFlowAsync(new FlowOptions { Context = new JsonObject { ["policy"] = "comments" }, Visitor = Visitor });
        string nonce = FlowTests.OpenNonce(eo, out JsonObject sent);
        Assert.DoesNotContain(Visitor, sent.ToJsonString(), StringComparison.Ordinal);
        Assert.False(sent.ContainsKey("crafy_visitor"));

        NonceConsumption stored = await host.Store.TryConsumeAsync(nonce);
        Assert.True(stored.Consumed);
        JsonObject context = JsonNode.Parse(stored.ContextJson!)!.AsObject();
        Assert.Equal("comments", (string)context["policy"]!);
        Assert.Matches("^[0-9a-f]{32}$", (string)context["crafy_visitor"]!);
        Assert.DoesNotContain(Visitor, stored.ContextJson!, StringComparison.Ordinal);

        // A caller cannot put its own hash under the reserved key.
        await Assert.ThrowsAsync<ArgumentException>(async () => await host.Captcha.CreateFlowAsync(new FlowOptions { Context = new JsonObject { ["crafy_visitor"] = "00" } }));
    }

    [Fact]
    public async Task Another_secret_key_hashes_the_same_visitor_differently()
    {
        using var a = new TestHost(Secret);
        using var b = new TestHost(Vectors.SecretKey("k2"));
        static async Task<string> HashAsync(TestHost host)
        {
            string eo = await host.Captcha.CreateFlowAsync(new FlowOptions { Visitor = Visitor });
            NonceConsumption stored = await host.Store.TryConsumeAsync(TokenMint.NonceOf(host.SecretKey, eo));
            return (string)JsonNode.Parse(stored.ContextJson!)!["crafy_visitor"]!;
        }

        string ha = await HashAsync(a);
        string hb = await HashAsync(b);
        Assert.NotEqual(ha, hb);
    }

    private static async Task<string> BoundTokenAsync(TestHost host, string visitor)
    {
        string eo = await host.Captcha.CreateFlowAsync(new FlowOptions { Context = new JsonObject { ["policy"] = "comments" }, Visitor = visitor });
        return TokenMinter.Token(Secret, FlowTests.OpenNonce(eo, out _), DateTimeOffset.UtcNow.AddMinutes(5));
    }
}
