using System.Text.Json.Nodes;

namespace CrafyCaptcha.Tests;

/// <summary>Every token of the official vectors, verified on a fresh store prepared as the vector says.</summary>
public sealed class TokenVectorTests
{
    /// <summary>
    /// Our verdict for every token the official vectors call invalid, or where the two official SDKs disagree.
    /// Valid-group tokens must all verify (we accept the union of what the SDKs accept: v2 nonces, base64url).
    /// Dates: ISO-8601 extended and RFC 1123 are dates, JSON numbers are JavaScript milliseconds, anything else is not.
    /// Context: Node's semantics, except that equal nested objects match (JSON equality instead of identity).
    /// </summary>
    private static readonly Dictionary<string, FlowFailure> Expected = new()
    {
        ["empty_token"] = FlowFailure.MissingToken,
        ["token_zero"] = FlowFailure.MalformedToken,
        ["not_base64"] = FlowFailure.MalformedToken,
        ["base64_not_json"] = FlowFailure.MalformedToken,
        ["base64_json_null"] = FlowFailure.MalformedToken,
        ["base64_json_array"] = FlowFailure.MalformedToken,
        ["base64_json_string"] = FlowFailure.MalformedToken,
        ["base64_json_number"] = FlowFailure.MalformedToken,
        ["missing_payload"] = FlowFailure.MalformedToken,
        ["missing_server_sign"] = FlowFailure.MalformedToken,
        ["empty_payload"] = FlowFailure.MalformedToken,
        ["empty_server_sign"] = FlowFailure.MalformedToken,
        ["payload_is_object"] = FlowFailure.MalformedToken,
        ["payload_is_number"] = FlowFailure.MalformedToken,
        ["server_sign_is_number"] = FlowFailure.MalformedToken,
        ["bad_signature"] = FlowFailure.BadSignature,
        ["signature_uppercase"] = FlowFailure.BadSignature,
        ["signature_other_key"] = FlowFailure.BadSignature,
        ["signature_truncated"] = FlowFailure.BadSignature,
        ["signature_base64"] = FlowFailure.BadSignature,
        ["signature_over_reserialized"] = FlowFailure.BadSignature,
        ["payload_not_json"] = FlowFailure.MalformedPayload,
        ["payload_empty_object"] = FlowFailure.BadStatus,
        ["payload_null"] = FlowFailure.MalformedPayload,
        ["payload_array"] = FlowFailure.MalformedPayload,
        ["status_failed"] = FlowFailure.BadStatus,
        ["status_missing"] = FlowFailure.BadStatus,
        ["status_uppercase"] = FlowFailure.BadStatus,
        ["status_true"] = FlowFailure.BadStatus,
        ["expires_missing"] = FlowFailure.MissingExpiry,
        ["expires_empty"] = FlowFailure.MissingExpiry,
        ["expires_null"] = FlowFailure.MissingExpiry,
        ["expires_zero_string"] = FlowFailure.InvalidExpiry,
        ["expires_zero_number"] = FlowFailure.MissingExpiry,
        ["expired"] = FlowFailure.Expired,
        ["expires_unparseable"] = FlowFailure.InvalidExpiry,
        ["nonce_missing"] = FlowFailure.MissingNonce,
        ["nonce_empty"] = FlowFailure.MissingNonce,
        ["nonce_zero_string"] = FlowFailure.UndecryptableNonce,
        ["nonce_number"] = FlowFailure.UndecryptableNonce,
        ["nonce_object"] = FlowFailure.UndecryptableNonce,
        ["nonce_garbage"] = FlowFailure.UndecryptableNonce,
        ["nonce_other_key"] = FlowFailure.UndecryptableNonce,
        ["nonce_tampered"] = FlowFailure.UndecryptableNonce,
        ["nonce_plain_hex"] = FlowFailure.UndecryptableNonce,
        ["nonce_decrypts_non_hex"] = FlowFailure.InvalidNonce,
        ["nonce_decrypts_uppercase"] = FlowFailure.InvalidNonce,
        ["nonce_decrypts_trailing_newline"] = FlowFailure.InvalidNonce,
        ["nonce_decrypts_short_hex"] = FlowFailure.InvalidNonce,
        ["nonce_decrypts_long_hex"] = FlowFailure.InvalidNonce,
        ["nonce_decrypts_empty"] = FlowFailure.UndecryptableNonce,
        ["nonce_decrypts_zero"] = FlowFailure.InvalidNonce,
        ["nonce_not_stored"] = FlowFailure.NonceNotFound,
        ["nonce_other_stored"] = FlowFailure.NonceNotFound,
        ["ctx_match"] = FlowFailure.None,
        ["ctx_subset"] = FlowFailure.None,
        ["ctx_expected_empty_object"] = FlowFailure.None,
        ["ctx_not_requested"] = FlowFailure.None,
        ["ctx_value_mismatch"] = FlowFailure.ContextMismatch,
        ["ctx_type_mismatch"] = FlowFailure.ContextMismatch,
        ["ctx_missing_key"] = FlowFailure.ContextMismatch,
        ["ctx_nested_object"] = FlowFailure.None,
        ["ctx_none_saved"] = FlowFailure.ContextMismatch,
        ["ctx_none_saved_expected_empty"] = FlowFailure.ContextMismatch,
        ["ctx_saved_not_object"] = FlowFailure.ContextMismatch,
        ["ctx_saved_null"] = FlowFailure.ContextMismatch,
        ["ctx_saved_bad_json"] = FlowFailure.ContextMismatch,
        ["expires_at_12"] = FlowFailure.InvalidExpiry, // ISO basic format: Node rejects, PHP accepts
        ["expires_at_16"] = FlowFailure.InvalidExpiry, // month 13
        ["expires_at_18"] = FlowFailure.InvalidExpiry, // digits in a string
        ["expires_at_19"] = FlowFailure.Expired,       // 4102444800 ms after the epoch is 1970
        ["expires_at_21"] = FlowFailure.InvalidExpiry, // "@4102444800": PHP strtotime only
        ["expires_at_22"] = FlowFailure.InvalidExpiry, // "tomorrow": PHP strtotime only
        ["expires_at_23"] = FlowFailure.Expired,
        ["expires_at_24"] = FlowFailure.Expired,
        ["expires_at_25"] = FlowFailure.Expired,
        ["expires_at_26"] = FlowFailure.Expired,       // 946684800000 ms is 2000-01-01
        ["expires_at_27"] = FlowFailure.InvalidExpiry, // "yesterday"
    };

    public static TheoryData<string> AllTokenIds => Vectors.Ids("tokens");

    [Fact]
    public void Every_invalid_vector_has_a_stated_verdict()
    {
        var unstated = Vectors.Section("tokens")
            .Where(t => (string)t["group"]! == "invalid" && !Expected.ContainsKey((string)t["id"]!))
            .Select(t => (string)t["id"]!)
            .ToList();

        Assert.Empty(unstated);
        Assert.Equal(120, Vectors.Section("tokens").Count());
    }

    [Theory]
    [MemberData(nameof(AllTokenIds))]
    public async Task Token_vector_verifies_as_stated(string id)
    {
        JsonObject t = Vectors.Case("tokens", id);
        using var host = new TestHost(Vectors.SecretKey((string)t["key"]!));
        string? contextJson = t["context"] is JsonObject context ? context.ToJsonString() : Vectors.Str(t, "stored_context_json");
        foreach (JsonNode? nonce in t["prestore_nonces"]!.AsArray())
        {
            if ((string)nonce! == string.Empty)
            {
                continue; // the official SDKs store an empty nonce; our store refuses one as an argument error
            }

            await host.Store.StoreAsync((string)nonce!, contextJson, TimeSpan.FromMinutes(20));
        }

        JsonObject? expectedContext = t["expected_context"] as JsonObject;
        FlowFailure expected = Expected.TryGetValue(id, out FlowFailure stated) ? stated : FlowFailure.None;
        int times = (int)t["times"]!;

        for (int attempt = 0; attempt < times; attempt++)
        {
            FlowVerification result = await host.Captcha.VerifyFlowAsync((string)t["token"]!, expectedContext);

            FlowFailure expectedNow = attempt == 0 ? expected : FlowFailure.NonceNotFound;
            Assert.Equal(expectedNow, result.Failure);
            Assert.Equal(expectedNow == FlowFailure.None, result.IsValid);
        }
    }

    [Fact]
    public async Task Valid_vector_exposes_risk_score_flow_token_and_payload()
    {
        JsonObject t = Vectors.Case("tokens", "valid_high_risk_score");
        using var host = new TestHost(Vectors.SecretKey("k1"));
        await host.Store.StoreAsync((string)t["prestore_nonces"]![0]!, null, TimeSpan.FromMinutes(1));

        FlowVerification result = await host.Captcha.VerifyFlowAsync((string)t["token"]!);

        Assert.True(result.IsValid);
        Assert.Equal(0.99, result.RiskScore);
        Assert.Equal((string)t["payload"]!, result.PayloadJson);
        Assert.True(Guid.TryParse(result.FlowToken, out _));
        Assert.Equal(new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero), result.ExpiresAt);
    }
}
