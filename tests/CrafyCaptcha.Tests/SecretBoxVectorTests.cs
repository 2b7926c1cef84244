using System.Text;
using System.Text.Json.Nodes;
using CrafyCaptcha.Cryptography;

namespace CrafyCaptcha.Tests;

public sealed class SecretBoxVectorTests
{
    public static TheoryData<string> CreateFlowIds => Vectors.Ids("v3_create_flow");

    public static TheoryData<string> EncryptIds => Vectors.Ids("v3_encrypt");

    public static TheoryData<string> V2Ids => Vectors.Ids("v2");

    public static TheoryData<string> V1Ids => Vectors.Ids("v1");

    public static TheoryData<string> DecryptIds => Vectors.Ids("decrypt_cases");

    [Theory]
    [MemberData(nameof(CreateFlowIds))]
    public void Opens_every_official_create_flow_value(string id)
    {
        JsonObject c = Vectors.Case("v3_create_flow", id);
        using var box = new SecretBox(Vectors.SecretKey((string)c["key"]!));

        Assert.True(box.TryOpen((string)c["eo"]!, out byte[]? plaintext));
        Assert.Equal((string)c["plaintext_utf8_hex"]!, Convert.ToHexStringLower(plaintext));
    }

    [Theory]
    [MemberData(nameof(CreateFlowIds))]
    public void Seals_byte_for_byte_like_the_official_sdks_for_the_same_nonce(string id)
    {
        JsonObject c = Vectors.Case("v3_create_flow", id);
        using var box = new SecretBox(Vectors.SecretKey((string)c["key"]!));

        string eo = box.Seal(Convert.FromHexString((string)c["plaintext_utf8_hex"]!), Convert.FromHexString((string)c["aead_nonce_hex"]!));

        Assert.Equal((string)c["eo"]!, eo);
    }

    [Theory]
    [MemberData(nameof(EncryptIds))]
    public void Encrypt_vectors_round_trip_byte_for_byte(string id)
    {
        JsonObject c = Vectors.Case("v3_encrypt", id);
        using var box = new SecretBox(Vectors.SecretKey((string)c["key"]!));
        byte[] plaintext = Convert.FromHexString((string)c["plaintext_utf8_hex"]!);

        Assert.Equal((string)c["eo"]!, box.Seal(plaintext, Convert.FromHexString((string)c["aead_nonce_hex"]!)));
        Assert.True(box.TryOpen((string)c["eo"]!, out byte[]? opened));
        Assert.Equal(plaintext, opened);
    }

    [Theory]
    [MemberData(nameof(V2Ids))]
    public void Opens_legacy_v2_values_written_by_php(string id)
    {
        JsonObject c = Vectors.Case("v2", id);
        using var box = new SecretBox(Vectors.SecretKey((string)c["key"]!));

        Assert.True(box.TryOpen((string)c["eo"]!, out byte[]? plaintext));
        Assert.Equal((string)c["plaintext"]!, Encoding.UTF8.GetString(plaintext));
    }

    [Theory]
    [MemberData(nameof(V1Ids))]
    public void Opens_legacy_v1_values(string id)
    {
        JsonObject c = Vectors.Case("v1", id);
        using var box = new SecretBox(Vectors.SecretKey((string)c["key"]!));

        Assert.True(box.TryOpen((string)c["eo"]!, out byte[]? plaintext));
        Assert.Equal((string)c["plaintext"]!, Encoding.UTF8.GetString(plaintext));
    }

    /// <summary>
    /// Our rule: a value opens when either official SDK opened it (PHP alone for v2, Node alone for base64url),
    /// and the bytes are the raw plaintext (PHP's view; Node replaces invalid UTF-8).
    /// </summary>
    [Theory]
    [MemberData(nameof(DecryptIds))]
    public void Decrypt_cases_match_the_official_sdks(string id)
    {
        JsonObject c = Vectors.Case("decrypt_cases", id);
        JsonObject node = c["expect"]!["node"]!.AsObject();
        JsonObject php = c["expect"]!["php"]!.AsObject();
        bool expectOk = (bool)node["ok"]! || (bool)php["ok"]!;
        using var box = new SecretBox(Vectors.SecretKey((string)c["key"]!));

        bool opened = box.TryOpen((string)c["eo"]!, out byte[]? plaintext);

        Assert.Equal(expectOk, opened);
        if (expectOk)
        {
            string hex = (string)((bool)php["ok"]! ? php : node)["plaintext_hex"]!;
            Assert.Equal(hex, Convert.ToHexStringLower(plaintext!));
        }
    }

    [Fact]
    public void Seal_then_open_round_trips_text_of_any_size()
    {
        using var box = new SecretBox(Vectors.SecretKey("k3_utf8"));
        foreach (int size in new[] { 0, 1, 100, 5000 })
        {
            string text = new('é', size);
            string sealedValue = box.Seal(text);

            Assert.StartsWith(";v3_;", sealedValue, StringComparison.Ordinal);
            Assert.True(box.TryOpen(sealedValue, out byte[]? opened));
            Assert.Equal(text, Encoding.UTF8.GetString(opened));
        }
    }

    [Fact]
    public void Values_sealed_with_another_secret_do_not_open()
    {
        using var k1 = new SecretBox(Vectors.SecretKey("k1"));
        using var k2 = new SecretBox(Vectors.SecretKey("k2"));

        Assert.False(k1.TryOpen(k2.Seal("secret"), out _));
        Assert.False(k1.TryOpen(null, out _));
    }

    [Fact]
    public async Task Argon2_derivations_are_bounded_and_a_waiting_caller_gets_no_key()
    {
        // One slot, no wait: while one v2 value is being opened, a second is refused instead of queued.
        var gate = new Argon2Gate(1, TimeSpan.Zero);
        using var box = new SecretBox(Vectors.SecretKey("k1"), gate);
        string v2 = (string)Vectors.Case("v2", "php/k1/hello")["eo"]!;
        int refused = 0, opened = 0;

        await Parallel.ForEachAsync(Enumerable.Range(0, 8), new ParallelOptions { MaxDegreeOfParallelism = 8 }, (_, _) =>
        {
            if (box.TryOpen(v2, out _))
            {
                Interlocked.Increment(ref opened);
            }
            else
            {
                Interlocked.Increment(ref refused);
            }

            return ValueTask.CompletedTask;
        });

        Assert.True(opened >= 1);
        Assert.Equal(8, opened + refused);
        Assert.Equal(0, gate.InFlight);
    }
}
