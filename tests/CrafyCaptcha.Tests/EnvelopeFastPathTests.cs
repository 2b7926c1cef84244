using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Protocol;
using CsCheck;

namespace CrafyCaptcha.Tests;

/// <summary>
/// The envelope's one-pass fast path against the general <c>Utf8JsonReader</c> path: whenever the fast path reads an
/// envelope, the general path reads the same payload and signature from it; everything odd is left to the general path.
/// </summary>
public sealed class EnvelopeFastPathTests
{
    private static readonly string Secret = Vectors.SecretKey("k1");

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Characters that make JSON escaping interesting: quotes, backslashes, slashes, controls, NUL, non-ASCII, surrogates.</summary>
    private const string AsciiAlphabet = "abcXYZ019+/=_-:,{}[] \"\\\u0000\u001f\u007f";

    private const string Alphabet = "abcXYZ019+/=_-:,{}[] \"\\\u0000\u0001\u001f\u007f\u0080\u00e9\u2028\ufeff\ud83d\ude00\ud800\udc00";

    [Fact]
    public void Whenever_the_fast_path_reads_an_envelope_the_general_path_reads_the_same_payload_and_signature()
    {
        int fast = 0;
        Gen.Select(Gen.OneOf(Gen.Char[AsciiAlphabet].Array[0, 40], Gen.Char[Alphabet].Array[0, 40]), Gen.Int[0, 3], Gen.Int[0, 7], Gen.Int[0, 200], Gen.Byte, Gen.Int)
            .Sample(t =>
            {
                (char[] chars, int escaper, int mutation, int position, byte inserted, int seed) = t;
                string payload = new(chars);
                string json = Envelope(payload, "ab12", escaper, seed);
                byte[] bytes = Mutate(Encoding.UTF8.GetBytes(json), mutation, position, inserted);
                if (Agree(bytes))
                {
                    Interlocked.Increment(ref fast);
                }
            }, iter: 50_000, threads: 1);

        // The test means something only if the fast path took a fair share of the inputs.
        Assert.True(fast > 5_000, $"the fast path read only {fast} envelopes");
    }

    [Fact]
    public void Valid_tokens_as_both_escapers_write_them_take_the_fast_path_and_verify()
    {
        using var box = new SecretBox(Secret);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string nonce = TokenMinter.NewNonce();
        string payload = TokenMinter.PayloadJson(Secret, nonce, now.AddMinutes(5));
        string signature = Signature(payload);
        foreach (int escaper in new[] { 0, 1 })
        {
            byte[] json = Encoding.UTF8.GetBytes(Envelope(payload, signature, escaper, 0));
            Assert.True(CaptchaTokenReader.TryReadEnvelopeFast(json, new byte[json.Length], out _, out _));
            TokenCheck check = CaptchaTokenReader.Check(Convert.ToBase64String(json), box, now, 8192);
            Assert.Equal(FlowFailure.None, check.Failure);
            Assert.Equal(payload, check.PayloadJson);
            Assert.Equal(nonce, check.Nonce);
        }
    }

    [Theory]
    [InlineData("\u00e9")]
    [InlineData("\u2028")]
    [InlineData("\ud83d\ude00")]
    [InlineData("\ud800")]
    public void A_token_with_non_ascii_characters_among_its_base64_is_read_as_the_lenient_decoder_reads_it(string inserted)
    {
        using var box = new SecretBox(Secret);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string nonce = TokenMinter.NewNonce();
        string payload = TokenMinter.PayloadJson(Secret, nonce, now.AddMinutes(5));
        string token = TokenMinter.Sign(Secret, payload);
        foreach (int at in new[] { 0, 1, token.Length / 2, token.Length })
        {
            TokenCheck check = CaptchaTokenReader.Check(token.Insert(at, inserted), box, now, 8192);
            Assert.Equal(FlowFailure.None, check.Failure);
            Assert.Equal(payload, check.PayloadJson);
            Assert.Equal(nonce, check.Nonce);
        }
    }

    [Fact]
    public void A_key_given_twice_is_left_to_the_general_path_where_the_last_one_wins()
    {
        using var box = new SecretBox(Secret);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string signed = TokenMinter.PayloadJson(Secret, TokenMinter.NewNonce(), now.AddMinutes(5));
        string other = TokenMinter.PayloadJson(Secret, TokenMinter.NewNonce(), now.AddMinutes(5), riskScore: 0);
        string sign = Quote(Signature(signed));

        string lastWins = $$"""{"payload":{{Quote(other)}},"server_sign":{{sign}},"payload":{{Quote(signed)}}}""";
        string firstLoses = $$"""{"payload":{{Quote(signed)}},"server_sign":{{sign}},"payload":{{Quote(other)}}}""";
        string signTwice = $$"""{"server_sign":"{{new string('0', 64)}}","payload":{{Quote(signed)}},"server_sign":{{sign}}}""";

        Assert.False(CaptchaTokenReader.TryReadEnvelopeFast(Encoding.UTF8.GetBytes(lastWins), new byte[4096], out _, out _));
        TokenCheck accepted = Check(box, lastWins, now);
        Assert.Equal(FlowFailure.None, accepted.Failure);
        Assert.Equal(signed, accepted.PayloadJson);
        Assert.Equal(FlowFailure.BadSignature, Check(box, firstLoses, now).Failure);
        Assert.Equal(FlowFailure.None, Check(box, signTwice, now).Failure);
    }

    [Theory]
    [InlineData("""{"payload":"a\u0000b","server_sign":"s"}""", true)]
    [InlineData("""{"payload":"\u0041\u007f\u007F\u002b\u002B\/\\\"","server_sign":"s"}""", true)]
    [InlineData("""{"payload":"\ud83d\ude00","server_sign":"s"}""", false)]
    [InlineData("""{"payload":"\ud800","server_sign":"s"}""", false)]
    [InlineData("""{"payload":"\u00e9","server_sign":"s"}""", false)]
    [InlineData("""{"payload":"\u0080","server_sign":"s"}""", false)]
    [InlineData("""{"payload":"a\nb\tc","server_sign":"s"}""", false)]
    [InlineData("""{"payload":"\u12","server_sign":"s"}""", false)]
    [InlineData("""{"payload":"\u00g1","server_sign":"s"}""", false)]
    [InlineData("""{"payload":"\x41","server_sign":"s"}""", false)]
    [InlineData("""{"p\u0061yload":"a","server_sign":"s"}""", false)]
    [InlineData("""{"payload":"a","server_sign":"s\u0061"}""", false)]
    [InlineData("""{"payload":"a","server_sign":"s","hostname":"x"}""", false)]
    [InlineData("""{"payload":"a","server_sign":"s",}""", false)]
    [InlineData("""{"payload":"a", "server_sign":"s"}""", false)]
    [InlineData("""{"payload":"a","server_sign":"s"} """, false)]
    [InlineData("""{"payload":"","server_sign":"s"}""", false)]
    [InlineData("""{"payload":"a","server_sign":""}""", false)]
    [InlineData("""{"payload":"a"}""", false)]
    [InlineData("""{"server_sign":"s","payload":"é"}""", false)]
    [InlineData("""{"server_sign":"s","payload":"a"}""", true)]
    public void Odd_escapes_and_shapes_agree_with_the_general_path(string json, bool fast)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        Assert.Equal(fast, Agree(bytes));
    }

    [Fact]
    public void Every_truncation_of_an_envelope_is_refused_by_the_fast_path_and_malformed_for_the_token()
    {
        using var box = new SecretBox(Secret);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string payload = TokenMinter.PayloadJson(Secret, TokenMinter.NewNonce(), now.AddMinutes(5));
        byte[] json = Encoding.UTF8.GetBytes(Envelope(payload, Signature(payload), 1, 0));
        Assert.False(Agree([]));
        for (int length = 1; length < json.Length; length++)
        {
            Assert.False(Agree(json[..length]), $"a prefix of {length} bytes was read");
            Assert.Equal(FlowFailure.MalformedToken, CaptchaTokenReader.Check(Convert.ToBase64String(json, 0, length), box, now, 8192).Failure);
        }
    }

    [Fact]
    public void Very_long_payloads_agree_and_never_overrun_the_destination()
    {
        string payload = string.Concat(Enumerable.Repeat("{\"k\":\"a/b+c\\\\\"}", 20_000));
        foreach (int escaper in new[] { 0, 1, 2 })
        {
            byte[] json = Encoding.UTF8.GetBytes(Envelope(payload, "ab", escaper, 7));
            Assert.True(Agree(json));
            Assert.True(CaptchaTokenReader.TryReadEnvelopeFast(json, new byte[payload.Length], out int length, out _));
            Assert.Equal(payload.Length, length);
            Assert.False(CaptchaTokenReader.TryReadEnvelopeFast(json, new byte[payload.Length - 1], out _, out _));
        }
    }

    /// <summary>Checks both paths on one input; true when the fast path read it (and then the general path read the same).</summary>
    private static bool Agree(byte[] json)
    {
        byte[] fastPayload = new byte[json.Length + 16];
        byte[] generalPayload = new byte[json.Length + 16];
        byte[] generalSignature = new byte[256];
        bool general = CaptchaTokenReader.TryReadEnvelope(json, generalPayload, out int generalLength, generalSignature, out int generalSignatureLength);
        if (!CaptchaTokenReader.TryReadEnvelopeFast(json, fastPayload, out int fastLength, out Range signature))
        {
            return false;
        }

        Assert.True(general, $"fast path read what the general path refuses: {Encoding.UTF8.GetString(json)}");
        Assert.Equal(generalPayload.AsSpan(0, generalLength).ToArray(), fastPayload.AsSpan(0, fastLength).ToArray());
        Assert.Equal(generalSignature.AsSpan(0, generalSignatureLength).ToArray(), json.AsSpan()[signature].ToArray());
        return true;
    }

    /// <summary>
    /// An envelope as a challenge server writes it: 0 JSON.stringify-like (<c>\"</c>), 1 System.Text.Json's default
    /// (<c>\u0022</c>, <c>\u002B</c>), 2 each character escaped at random as <c>\uXXXX</c> (either case), <c>\/</c> or raw.
    /// </summary>
    private static string Envelope(string payload, string signature, int escaper, int seed) => escaper switch
    {
        0 => $$"""{"payload":{{JsonSerializer.Serialize(payload, Relaxed)}},"server_sign":{{JsonSerializer.Serialize(signature, Relaxed)}}}""",
        1 => new JsonObject { ["payload"] = payload, ["server_sign"] = signature }.ToJsonString(),
        2 => $$"""{"payload":"{{RandomEscape(payload, seed)}}","server_sign":"{{signature}}"}""",
        _ => $$"""{"server_sign":{{JsonSerializer.Serialize(signature)}},"payload":{{JsonSerializer.Serialize(payload)}}}""",
    };

    private static string RandomEscape(string text, int seed)
    {
        var random = new Random(seed);
        var builder = new StringBuilder();
        foreach (char c in text)
        {
            switch (c is '"' or '\\' || c < 0x20 ? random.Next(2) : random.Next(4))
            {
                case 0:
                    builder.Append(@"\u").Append(((int)c).ToString(random.Next(2) == 0 ? "x4" : "X4", System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case 1:
                    builder.Append(c switch { '"' => "\\\"", '\\' => "\\\\", '/' => "\\/", _ => $"\\u{(int)c:x4}" });
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.ToString();
    }

    private static byte[] Mutate(byte[] json, int mutation, int position, byte inserted)
        => JsonMutation.Mutate(json, mutation, position, inserted, "\"\\/u0{}:, \u0000aF"u8);

    private static TokenCheck Check(SecretBox box, string envelopeJson, DateTimeOffset now)
        => CaptchaTokenReader.Check(Convert.ToBase64String(Encoding.UTF8.GetBytes(envelopeJson)), box, now, 16384);

    private static string Quote(string text) => JsonSerializer.Serialize(text, Relaxed);

    private static string Signature(string payload)
        => Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(payload)));
}
