using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CrafyCaptcha.Server.Credentials;

namespace CrafyCaptcha.Server.Protocol;

/// <summary>A message the iframe posts to the parent: the payload text, its Ed25519 signature and, for tokens, the HMAC.</summary>
internal sealed record SignedMessage(string Payload, string Signature, string? ServerSign = null);

/// <summary>Builds the signed messages of the widget protocol and the captcha token payload of the backend protocol.</summary>
internal static class ChallengeMessages
{
    /// <summary>
    /// The HANDSHAKE message. For a credential with Turnstile it also carries <c>site_key</c> and
    /// <c>turnstile_script</c>, so our widget loads Turnstile without asking the site-key endpoint (the invisible pass
    /// without Turnstile makes no extra request); without Turnstile it names neither.
    /// </summary>
    public static SignedMessage Handshake(ServedCredential credential, string flowToken, DateTimeOffset now, Uri? turnstileScript = null)
    {
        string payload = Write(w =>
        {
            w.WriteStartObject("payload");
            w.WriteString("flow_token", flowToken);
            if (credential.TurnstileSiteKey is { } siteKey && turnstileScript is not null)
            {
                w.WriteString("site_key", siteKey);
                w.WriteString("turnstile_script", turnstileScript.AbsoluteUri);
            }
            w.WriteEndObject();
            w.WriteString("issued_at", Iso(now));
        });
        return new SignedMessage(payload, credential.Sign(payload));
    }

    public static SignedMessage SiteKey(ServedCredential credential)
    {
        string payload = Write(w =>
        {
            w.WriteStartObject("payload");
            if (credential.TurnstileSiteKey is { } siteKey)
            {
                w.WriteString("site_key", siteKey);
            }
            else
            {
                w.WriteNull("site_key");
            }

            w.WriteEndObject();
        });
        return new SignedMessage(payload, credential.Sign(payload));
    }

    /// <summary>
    /// The CHALLENGE_COMPLETE message: the token payload (the site's <paramref name="nonce"/> sealed again, the flow's risk,
    /// step and reasons, the embedding <paramref name="hostname"/>), signed with Ed25519 and with the credential's HMAC.
    /// </summary>
    public static SignedMessage Complete(ServedCredential credential, string flowToken, string nonce, double risk, string step, string hostname, IReadOnlyList<string> reasons, DateTimeOffset expiresAt)
    {
        string payload = Write(w =>
        {
            w.WriteString("status", "success");
            w.WriteString("expires_at", Iso(expiresAt));
            w.WriteString("nonce", credential.SecretBox.Seal(nonce));
            w.WriteNumber("risk_score", risk);
            w.WriteString("flow_token", flowToken);
            w.WriteString("mode", step);
            w.WriteString("hostname", hostname);
            w.WriteStartArray("risk_reasons"); // an extension the official SDKs ignore; ours exposes it (FlowVerification.RiskReasons)
            foreach (string reason in reasons)
            {
                w.WriteStringValue(reason);
            }

            w.WriteEndArray();
        });
        Span<byte> mac = stackalloc byte[32];
        credential.SecretBox.ComputeTokenSignature(Encoding.UTF8.GetBytes(payload), mac);
        string serverSign = Convert.ToHexStringLower(mac);
        return new SignedMessage(payload, credential.Sign(payload), serverSign);
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
