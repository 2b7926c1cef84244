using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Shared;

namespace CrafyCaptcha.Protocol;

/// <summary>What the stateless checks (1 to 7 of the protocol) found in a token.</summary>
/// <remarks>
/// The signed payload's text is not kept: once the signature has been checked, <see cref="PayloadToken"/> is the token
/// it came from, and <see cref="PayloadJson"/> reads the text from it again when asked (most verifications never ask).
/// </remarks>
internal readonly record struct TokenCheck(
    FlowFailure Failure,
    string? Nonce = null,
    double? RiskScore = null,
    string? FlowToken = null,
    DateTimeOffset? ExpiresAt = null,
    string? PayloadToken = null)
{
    /// <summary>The signed payload text, once its signature has been checked; <see langword="null"/> before that.</summary>
    public string? PayloadJson => PayloadToken is null ? null : CaptchaTokenReader.ReadPayloadJson(PayloadToken);

    /// <summary>The outcome only: never the token (a bearer credential until its nonce is spent) nor its payload.</summary>
    public override string ToString() => $"TokenCheck {{ Failure = {Failure} }}";
}

/// <summary>
/// The stateless part of <c>verifyFlow</c>: envelope, constant-time HMAC, payload, status, expiry and sealed nonce,
/// in the protocol's order. Works on pooled buffers and never throws for bad input.
/// </summary>
/// <remarks>
/// One file per concern: this one (the order of the checks and the HMAC), <c>.Envelope</c> (check 2), <c>.Payload</c>
/// (checks 3 to 7 with <see cref="Utf8JsonReader"/>), <c>.PayloadScanner</c> (the same in one pass for the payload every
/// engine writes; the benchmarks in <c>benchmarks/README.md</c> measured what it saves) and <c>.Nonce</c> (check 7).
/// </remarks>
internal static partial class CaptchaTokenReader
{
    private const int HmacHexLength = 64;
    private const int HmacBytes = 32;
    private const int MaxSignatureBytes = 256;
    private const int MaxExpiryChars = 64;
    private const int MaxSealedNonceChars = 2048;
    private const int NonceHexLength = 64;
    private const int MaxStackPlaintext = 128;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 32 };

    /// <summary>The bytes a JSON string may hold as they are, in the envelope's fast path: printable ASCII but <c>"</c> and <c>\</c>.</summary>
    private static readonly SearchValues<byte> PlainStringBytes = SearchValues.Create(
        " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~\u007f"u8);

    private enum ExpiryKind : byte
    {
        Missing,
        Text,
        Number,
        Invalid,
    }

    private enum NonceKind : byte
    {
        Missing,
        Text,
        Invalid,
    }

    public static TokenCheck Check(string? token, SecretBox secretBox, DateTimeOffset now, int maxTokenLength)
    {
        if (string.IsNullOrEmpty(token))
        {
            return new(FlowFailure.MissingToken);
        }

        if (token.Length > maxTokenLength)
        {
            return new(FlowFailure.TokenTooLarge);
        }

        byte[] envelope = ArrayPool<byte>.Shared.Rent(LenientBase64.MaxDecodedLength(token.Length));

        // The payload's buffer first holds the token narrowed to ASCII for the base64 decoder (no zeroed stack copy).
        byte[] payload = ArrayPool<byte>.Shared.Rent(Math.Max(token.Length, 16));
        try
        {
            if (!LenientBase64.TryDecode(token, envelope, payload, out int envelopeLength))
            {
                return new(FlowFailure.MalformedToken);
            }

            ReadOnlySpan<byte> json = envelope.AsSpan(0, envelopeLength);
            if (TryReadEnvelopeFast(json, payload, out int payloadLength, out Range signatureRange))
            {
                return CheckSigned(token, payload.AsSpan(0, payloadLength), json[signatureRange], secretBox, now);
            }

            // Only the general path copies the signature: no zeroed stack buffer on the fast path.
            Span<byte> signatureCopy = stackalloc byte[MaxSignatureBytes];
            return TryReadEnvelope(json, payload, out payloadLength, signatureCopy, out int signatureLength)
                ? CheckSigned(token, payload.AsSpan(0, payloadLength), signatureCopy[..signatureLength], secretBox, now)
                : new(FlowFailure.MalformedToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(envelope);
            ArrayPool<byte>.Shared.Return(payload, clearArray: true);
        }
    }

    /// <summary>
    /// The payload text of a token whose envelope <see cref="Check"/> read (the same bytes, as a string), or
    /// <see langword="null"/> when the envelope cannot be read.
    /// </summary>
    internal static string? ReadPayloadJson(string token)
    {
        // The same decoder as Check (the payload's buffer is its scratch first): the text is the bytes that were verified.
        byte[] envelope = ArrayPool<byte>.Shared.Rent(LenientBase64.MaxDecodedLength(token.Length));
        byte[] payload = ArrayPool<byte>.Shared.Rent(Math.Max(token.Length, 16));
        try
        {
            if (!LenientBase64.TryDecode(token, envelope, payload, out int envelopeLength))
            {
                return null;
            }

            ReadOnlySpan<byte> json = envelope.AsSpan(0, envelopeLength);
            Span<byte> signature = stackalloc byte[MaxSignatureBytes];
            return TryReadEnvelopeFast(json, payload, out int payloadLength, out _) || TryReadEnvelope(json, payload, out payloadLength, signature, out _)
                ? Encoding.UTF8.GetString(payload, 0, payloadLength)
                : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(envelope);
            ArrayPool<byte>.Shared.Return(payload, clearArray: true);
        }
    }

    private static TokenCheck CheckSigned(string token, ReadOnlySpan<byte> payloadUtf8, ReadOnlySpan<byte> signature, SecretBox secretBox, DateTimeOffset now)
        => SignatureMatches(secretBox, payloadUtf8, signature)
            ? CheckPayload(payloadUtf8, secretBox, now) with { PayloadToken = token }
            : new(FlowFailure.BadSignature);

    private static bool SignatureMatches(SecretBox secretBox, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        // The signature is 64 lowercase hex characters (anything else never matched the lowercase hex of the MAC):
        // decoded once and compared as bytes, in constant time.
        Span<byte> expected = stackalloc byte[HmacBytes];
        if (signature.Length != HmacHexLength || signature.ContainsAnyExcept(NonceHex.LowercaseHexBytes)
            || Convert.FromHexString(signature, expected, out _, out _) != OperationStatus.Done)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[HmacBytes];
        secretBox.ComputeTokenSignature(payload, mac);
        return CryptographicOperations.FixedTimeEquals(mac, expected);
    }

    /// <summary>Checks 3 to 7 on a payload whose signature matched: the one-pass reader, else the general one.</summary>
    internal static TokenCheck CheckPayload(ReadOnlySpan<byte> payloadUtf8, SecretBox secretBox, DateTimeOffset now)
        => TryCheckPayloadFast(payloadUtf8, secretBox, now, out TokenCheck check) ? check : CheckPayloadGeneral(payloadUtf8, secretBox, now);

}
