using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Protocol;
using CsCheck;

namespace CrafyCaptcha.Tests;

/// <summary>
/// The payload's one-pass reader against the general <c>Utf8JsonReader</c> path: whenever the one-pass reader decides a
/// payload, the general path finds the same outcome (failure, nonce, risk score, flow token, expiry) in it; everything
/// odd (escapes in the fields it reads, non-ASCII, whitespace, nested values, malformed JSON) is left to the general path.
/// </summary>
public sealed class PayloadFastPathTests
{
    private static readonly string Secret = Vectors.SecretKey("k1");
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] Keys = ["status", "expires_at", "nonce", "risk_score", "flow_token", "mode", "hostname", "risk_reasons", "st\\u0061tus", "n\\u006fnce", "x"];

    /// <summary>Characters that make a JSON string interesting: quotes, backslashes, slashes, controls, DEL, non-ASCII, a lone surrogate.</summary>
    private const string OddCharacters = "ab9 \"\\/\u0000\u001f\u007f\u00e9\u2028\ud800";

    private static readonly string[] Numbers =
    [
        "0", "-0", "0.1", "1", "-1", "0.65", "1e3", "1E+3", "1e-3", "4102444800000", "1e400", "-1e400", "1e-400", "4.9e-324",
        "2.2250738585072014e-308", "1.7976931348623157e308", "1.7976931348623159e308", "123456789012345678901234567890",
        "253402300799999", "253402300800000", "-62135596800000", "-62135596800001", "01", "1.", ".5", "-", "+1", "1e", "1e+", "0x1", "NaN", "Infinity", "1.5e2x",
    ];

    [Fact]
    public void Whenever_the_one_pass_reader_decides_a_payload_the_general_path_finds_the_same()
    {
        using var box = new SecretBox(Secret);
        string sealedNonce = box.Seal(TokenMinter.NewNonce());
        int decided = 0;
        Gen.Select(Gen.Int[0, 7].Array[1, 9], Gen.Int[0, 10].Array[9], Gen.Int[0, 7], Gen.Int[0, 400], Gen.Byte, Gen.Int)
            .Sample(t =>
            {
                (int[] keys, int[] values, int mutation, int position, byte inserted, int seed) = t;
                var random = new Random(seed);
                var json = new StringBuilder("{");
                for (int i = 0; i < keys.Length; i++)
                {
                    json.Append(i == 0 ? "" : ",").Append('"').Append(Keys[(keys[i] + (seed & 3)) % Keys.Length]).Append("\":")
                        .Append(Value(values[i], sealedNonce, random));
                }

                byte[] payload = Mutate(Encoding.UTF8.GetBytes(json.Append('}').ToString()), mutation, position, inserted);
                if (Agree(box, payload))
                {
                    Interlocked.Increment(ref decided);
                }
            }, iter: 30_000, threads: 1);

        // The test means something only if the one-pass reader decided a fair share of the inputs.
        Assert.True(decided > 3_000, $"the one-pass reader decided only {decided} payloads");
    }

    [Fact]
    public void Payloads_as_challenge_servers_write_them_take_the_one_pass_reader_and_open_their_nonce()
    {
        using var box = new SecretBox(Secret);
        string nonce = TokenMinter.NewNonce();
        string sealedNonce = box.Seal(nonce);
        string[] payloads =
        [
            TokenMinter.PayloadJson(Secret, nonce, Now.AddMinutes(5)),
            EngineStylePayload(sealedNonce, ["webdriver", "velocity_ip"]),
            EngineStylePayload(sealedNonce, []),
            JsonSerializer.Serialize(new { status = "success", expires_at = "2099-01-01T00:00:00.000Z", nonce = sealedNonce, risk_score = 0, flow_token = "f" }, Relaxed),
        ];
        foreach (string payload in payloads)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(payload);
            Assert.True(CaptchaTokenReader.TryCheckPayloadFast(bytes, box, Now, out TokenCheck check), payload);
            Assert.Equal(FlowFailure.None, check.Failure);
            Assert.Equal(nonce, check.Nonce);
            Assert.True(Agree(box, bytes));
        }
    }

    [Theory]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","risk_score":0.5,"flow_token":"t"}""", true)]
    [InlineData("""{"nonce":"N","flow_token":"t","risk_score":0.5,"expires_at":"2099-01-01T00:00:00Z","status":"success"}""", true)]
    [InlineData("""{"status":"success","expires_at":4102444800000,"nonce":"N"}""", true)]
    [InlineData("""{"status":"success","expires_at":0,"nonce":"N"}""", true)]
    [InlineData("""{"status":"success","expires_at":null,"nonce":"N"}""", true)]
    [InlineData("""{"status":"success","expires_at":"","nonce":"N"}""", true)]
    [InlineData("""{"status":"success","expires_at":true,"nonce":"N"}""", true)]
    [InlineData("""{"status":"success","expires_at":1e400,"nonce":"N"}""", true)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":null}""", true)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":""}""", true)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":5}""", true)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"garbage"}""", true)]
    [InlineData("""{"status":"failure","expires_at":"2099-01-01T00:00:00Z","nonce":"N"}""", true)]
    [InlineData("""{"status":1,"expires_at":"2099-01-01T00:00:00Z","nonce":"N"}""", true)]
    [InlineData("""{"expires_at":"2099-01-01T00:00:00Z","nonce":"N"}""", true)]
    [InlineData("""{}""", true)]
    [InlineData("""{"status":"success","status":"failure","expires_at":"2099-01-01T00:00:00Z","nonce":"N"}""", true)]
    [InlineData("""{"status":"failure","status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N"}""", true)]
    [InlineData("""{"status":"success","expires_at":"2000-01-01T00:00:00Z","expires_at":"2099-01-01T00:00:00Z","nonce":"garbage","nonce":"N"}""", true)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","risk_score":0.5,"risk_score":"high"}""", true)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","risk_reasons":["a","b",1,true,null]}""", true)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","hostname":"a\u00e9b"}""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","hostname":"aéb"}""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","hé":"a"}""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","hostname":"a\ud800b"}""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","hostname":"a\nb"}""", false)]
    [InlineData("""{"status":"s\u0075ccess","expires_at":"2099-01-01T00:00:00Z","nonce":"N"}""", false)]
    [InlineData("""{"st\u0061tus":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N"}""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00\u005A","nonce":"N"}""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","flow_token":"\u0074"}""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","risk_reasons":[["nested"]]}""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","extra":{"a":1}}""", false)]
    [InlineData("""{"status":["success"],"expires_at":"2099-01-01T00:00:00Z","nonce":"N"}""", false)]
    [InlineData("""{"status":"success", "expires_at":"2099-01-01T00:00:00Z","nonce":"N"}""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N"} """, false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N",}""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N"}{}""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","risk_score":01}""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","risk_score":tru}""", false)]
    [InlineData("""["status","success"]""", false)]
    [InlineData("""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":"N","x":"\u0000\u007f\/\\\""}""", true)]
    public void Odd_payloads_agree_with_the_general_path(string json, bool decided)
    {
        using var box = new SecretBox(Secret);
        byte[] bytes = Encoding.UTF8.GetBytes(json.Replace("\"N\"", Quote(box.Seal(TokenMinter.NewNonce())), StringComparison.Ordinal));
        Assert.Equal(decided, Agree(box, bytes));
    }

    [Fact]
    public void An_escaped_sealed_nonce_is_unescaped_as_the_general_path_unescapes_it()
    {
        using var box = new SecretBox(Secret);
        string nonce = TokenMinter.NewNonce();
        string sealedNonce = box.Seal(nonce);
        string[] spellings =
        [
            JsonSerializer.Serialize(sealedNonce), // + as \u002B
            JsonSerializer.Serialize(sealedNonce, Relaxed), // as it is
            "\"" + string.Concat(sealedNonce.Select(c => $"\\u{(int)c:X4}")) + "\"", // every character escaped
            "\"" + sealedNonce.Replace("/", "\\/", StringComparison.Ordinal) + "\"",
        ];
        foreach (string spelling in spellings)
        {
            byte[] payload = Encoding.UTF8.GetBytes($$"""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":{{spelling}}}""");
            Assert.True(CaptchaTokenReader.TryCheckPayloadFast(payload, box, Now, out TokenCheck check), spelling);
            Assert.Equal(FlowFailure.None, check.Failure);
            Assert.Equal(nonce, check.Nonce);
            Assert.True(Agree(box, payload));
        }
    }

    [Fact]
    public void Numbers_are_read_as_the_general_path_reads_them()
    {
        using var box = new SecretBox(Secret);
        string sealedNonce = Quote(box.Seal(TokenMinter.NewNonce()));
        foreach (string number in Numbers)
        {
            Agree(box, Encoding.UTF8.GetBytes($$"""{"status":"success","expires_at":{{number}},"nonce":{{sealedNonce}}}"""));
            Agree(box, Encoding.UTF8.GetBytes($$"""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":{{sealedNonce}},"risk_score":{{number}}}"""));
        }

        // Utf8JsonReader reads an overflowing number as an infinity: so does the one-pass reader.
        byte[] overflow = Encoding.UTF8.GetBytes($$"""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":{{sealedNonce}},"risk_score":1e400}""");
        Assert.True(CaptchaTokenReader.TryCheckPayloadFast(overflow, box, Now, out TokenCheck check));
        Assert.Equal(CaptchaTokenReader.CheckPayloadGeneral(overflow, box, Now).RiskScore, check.RiskScore);
        Assert.Equal(double.PositiveInfinity, check.RiskScore);
    }

    [Fact]
    public void Oversize_values_are_refused_as_the_general_path_refuses_them()
    {
        using var box = new SecretBox(Secret);
        string sealedNonce = Quote(box.Seal(TokenMinter.NewNonce()));
        foreach (int length in new[] { 63, 64, 65, 200 })
        {
            string expiry = "2099-01-01T00:00:00" + new string('0', Math.Max(0, length - 20)) + "Z";
            byte[] payload = Encoding.UTF8.GetBytes($$"""{"status":"success","expires_at":"{{expiry[..Math.Min(expiry.Length, length)]}}","nonce":{{sealedNonce}}}""");
            Assert.True(Agree(box, payload));
        }

        foreach (int length in new[] { 2047, 2048, 2049, 10_000 })
        {
            byte[] payload = Encoding.UTF8.GetBytes($$"""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":";v3_;{{new string('A', length - 5)}}"}""");
            Assert.True(CaptchaTokenReader.TryCheckPayloadFast(payload, box, Now, out TokenCheck check));
            Assert.Equal(FlowFailure.UndecryptableNonce, check.Failure);
            Assert.True(Agree(box, payload));
        }

        string huge = $$"""{"status":"success","expires_at":"2099-01-01T00:00:00Z","nonce":{{sealedNonce}},"risk_reasons":[{{string.Join(',', Enumerable.Repeat("\"velocity_ip\"", 20_000))}}]}""";
        Assert.True(Agree(box, Encoding.UTF8.GetBytes(huge)));
    }

    [Fact]
    public void Every_truncation_of_a_payload_is_left_to_the_general_path()
    {
        using var box = new SecretBox(Secret);
        byte[] payload = Encoding.UTF8.GetBytes(EngineStylePayload(box.Seal(TokenMinter.NewNonce()), ["webdriver"]));
        for (int length = 0; length < payload.Length; length++)
        {
            Assert.False(CaptchaTokenReader.TryCheckPayloadFast(payload.AsSpan(0, length), box, Now, out _), $"a prefix of {length} bytes was decided");
            Assert.Equal(FlowFailure.MalformedPayload, CaptchaTokenReader.CheckPayload(payload.AsSpan(0, length), box, Now).Failure);
        }
    }

    [Fact]
    public void A_verified_token_reads_its_payload_text_only_when_asked_and_it_is_the_signed_text()
    {
        using var box = new SecretBox(Secret);
        string nonce = TokenMinter.NewNonce();
        string payload = EngineStylePayload(box.Seal(nonce), ["webdriver"]);
        TokenCheck check = CaptchaTokenReader.Check(TokenMinter.Sign(Secret, payload), box, Now, 8192);
        Assert.Equal(FlowFailure.None, check.Failure);
        Assert.Equal(payload, check.PayloadJson);
        Assert.Null(CaptchaTokenReader.Check(TokenMinter.Sign("sk_other", payload), box, Now, 8192).PayloadJson);
    }

    /// <summary>The payload as the engine writes it (<c>Utf8JsonWriter</c>, default encoder), with its <c>risk_reasons</c> array.</summary>
    private static string EngineStylePayload(string sealedNonce, string[] reasons)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("status", "success");
            writer.WriteString("expires_at", "2099-01-01T00:00:00Z");
            writer.WriteString("nonce", sealedNonce);
            writer.WriteNumber("risk_score", 0.25);
            writer.WriteString("flow_token", Guid.NewGuid().ToString());
            writer.WriteString("mode", "auto");
            writer.WriteString("hostname", "shop.example");
            writer.WriteStartArray("risk_reasons");
            foreach (string reason in reasons)
            {
                writer.WriteStringValue(reason);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Value(int kind, string sealedNonce, Random random) => kind switch
    {
        0 => "\"success\"",
        1 => Quote(Now.AddMinutes(random.Next(-10, 10)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
        2 => random.Next(2) == 0 ? JsonSerializer.Serialize(sealedNonce) : Quote(sealedNonce),
        3 => Numbers[random.Next(Numbers.Length)],
        4 => random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" },
        5 => "[" + string.Join(',', Enumerable.Range(0, random.Next(4)).Select(i => Value(random.Next(5), sealedNonce, random))) + "]",
        6 => Quote(new string(Enumerable.Range(0, random.Next(12)).Select(_ => OddCharacters[random.Next(OddCharacters.Length)]).ToArray())),
        7 => JsonSerializer.Serialize(Guid.NewGuid().ToString() + (random.Next(2) == 0 ? "+<>&'" : "")),
        8 => "{\"a\":" + Value(random.Next(5), sealedNonce, random) + "}",
        9 => Quote(random.Next(2) == 0 ? "" : "x"),
        _ => ((long)random.Next() * 1000).ToString(CultureInfo.InvariantCulture),
    };

    private static byte[] Mutate(byte[] json, int mutation, int position, byte inserted)
        => JsonMutation.Mutate(json, mutation, position, inserted, "\"\\/u0{}[]:,. -eE+\u0000a"u8);

    /// <summary>Checks both paths on one payload; true when the one-pass reader decided it (and the general path agreed).</summary>
    private static bool Agree(SecretBox box, byte[] payload)
    {
        TokenCheck general = CaptchaTokenReader.CheckPayloadGeneral(payload, box, Now);
        if (!CaptchaTokenReader.TryCheckPayloadFast(payload, box, Now, out TokenCheck fast))
        {
            return false;
        }

        string text = Encoding.UTF8.GetString(payload);
        Assert.True(general == fast, $"one-pass {fast} differs from general {general} for {text}");
        return true;
    }

    private static string Quote(string text) => JsonSerializer.Serialize(text, Relaxed);
}
