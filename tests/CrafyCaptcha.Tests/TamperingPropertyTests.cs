using System.Text;
using System.Text.Json.Nodes;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Protocol;
using CsCheck;

namespace CrafyCaptcha.Tests;

/// <summary>Attacks on valid tokens: random mutations at every layer never produce an accepted, different payload, and never throw.</summary>
public sealed class TamperingPropertyTests
{
    private static readonly string Secret = Vectors.SecretKey("k1");

    [Fact]
    public void Mutated_tokens_never_verify_with_a_different_payload_and_never_throw()
    {
        using var box = new SecretBox(Secret);
        string nonce = TokenMinter.NewNonce();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string payload = TokenMinter.PayloadJson(Secret, nonce, now.AddMinutes(5));
        string token = TokenMinter.Sign(Secret, payload);
        string signature = JsonNode.Parse(Convert.FromBase64String(token))!["server_sign"]!.GetValue<string>();
        Assert.Equal(FlowFailure.None, CaptchaTokenReader.Check(token, box, now, 8192).Failure);
        int accepted = 0;

        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 100_000], Gen.Char[(char)0, (char)0x7F], Gen.Byte)
            .Sample(t =>
            {
                (int op, int position, char c, byte bits) = t;
                string mutated = Mutate(token, payload, signature, op, position, c, bits);
                TokenCheck check = CaptchaTokenReader.Check(mutated, box, now, 8192);
                if (check.Failure == FlowFailure.None)
                {
                    // Only an encoding-level change (ignored base64 characters, JSON escapes) may still verify,
                    // and then it must carry exactly the signed payload and nonce.
                    Interlocked.Increment(ref accepted);
                    Assert.Equal(payload, check.PayloadJson);
                    Assert.Equal(nonce, check.Nonce);
                }
            }, iter: 20_000, threads: 1);

        Assert.True(accepted < 20_000 / 2, $"{accepted} mutations were accepted");
    }

    [Fact]
    public async Task Random_text_never_verifies_and_never_throws()
    {
        using var host = new TestHost(Secret);
        await Gen.String.SampleAsync(async text =>
        {
            FlowVerification result = await host.Captcha.VerifyFlowAsync(text);
            Assert.False(result.IsValid);
        }, iter: 5_000);
    }

    [Fact]
    public async Task Tampered_tokens_with_a_stored_nonce_are_rejected_and_the_original_still_works_once()
    {
        using var host = new TestHost(Secret);
        string nonce = FlowTests.OpenNonce(await host.Captcha.CreateFlowAsync(), out _);
        string payload = TokenMinter.PayloadJson(Secret, nonce, DateTimeOffset.UtcNow.AddMinutes(5));
        string token = TokenMinter.Sign(Secret, payload);

        string raisedRisk = TokenMinter.Sign("sk_attacker", payload.Replace("\"risk_score\":0.1", "\"risk_score\":0", StringComparison.Ordinal));
        string keptSignature = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Replace("0.1", "0.0", StringComparison.Ordinal);
        foreach (string forged in new[] { raisedRisk, Convert.ToBase64String(Encoding.UTF8.GetBytes(keptSignature)) })
        {
            Assert.Equal(FlowFailure.BadSignature, (await host.Captcha.VerifyFlowAsync(forged)).Failure);
        }

        Assert.True((await host.Captcha.VerifyFlowAsync(token)).IsValid);
        Assert.False((await host.Captcha.VerifyFlowAsync(token)).IsValid);
    }

    private static string Mutate(string token, string payload, string signature, int op, int position, char c, byte bits)
    {
        switch (op)
        {
            case 0:
                {
                    int i = position % token.Length;
                    return string.Concat(token.AsSpan(0, i), c.ToString(), token.AsSpan(i + 1));
                }

            case 1:
                return token.Insert(position % (token.Length + 1), c.ToString());
            case 2:
                return token.Remove(position % token.Length, 1);
            case 3:
                {
                    byte[] envelope = Convert.FromBase64String(token);
                    envelope[position % envelope.Length] ^= (byte)(bits == 0 ? 1 : bits);
                    return Convert.ToBase64String(envelope);
                }

            case 4:
                {
                    int i = position % payload.Length;
                    string changed = string.Concat(payload.AsSpan(0, i), c.ToString(), payload.AsSpan(i + 1));
                    return Envelope(changed, signature);
                }

            default:
                {
                    int i = position % signature.Length;
                    string changed = string.Concat(signature.AsSpan(0, i), c.ToString(), signature.AsSpan(i + 1));
                    return Envelope(payload, changed);
                }
        }
    }

    private static string Envelope(string payload, string signature)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["payload"] = payload, ["server_sign"] = signature }.ToJsonString()));
}
