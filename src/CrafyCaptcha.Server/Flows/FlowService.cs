using System.Text;
using System.Text.Json;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Server.Credentials;
using CrafyCaptcha.Server.Internal;
using CrafyCaptcha.Server.Pow;
using CrafyCaptcha.Server.Protocol;
using CrafyCaptcha.Server.Risk;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Flows;

/// <summary>Why the engine would not open a flow.</summary>
internal enum FlowOpenError
{
    /// <summary>The flow was opened.</summary>
    None,

    /// <summary>The public token (<c>pt</c>) names no credential.</summary>
    UnknownPublicToken,

    /// <summary>The embedding page's host is not among the credential's domains.</summary>
    DomainNotAllowed,

    /// <summary>The <c>eo</c> is missing, too long, not v3, or does not open with the credential's secret.</summary>
    InvalidOptions,

    /// <summary>The <c>eo</c> opened but carries no valid nonce.</summary>
    NoNonce,

    /// <summary>A token was already issued for this <c>eo</c>.</summary>
    AlreadySpent,

    /// <summary>The state store did not answer.</summary>
    Unavailable,
}

/// <summary>What the challenge page asks for: the credential's public token, the widget's <c>cdweo</c>, the embedding origin.</summary>
internal sealed record FlowOpenRequest(string? PublicToken, string? Cdweo, string ParentOrigin, RiskSignals Signals);

/// <summary>A flow the engine opened: what the challenge page runs.</summary>
internal sealed record OpenedFlow(string FlowToken, PowChallenge Pow, bool NeedsCheckbox, SignedMessage Handshake);

/// <summary>The outcome of <see cref="FlowService.OpenAsync"/>: <see cref="Flow"/> when opened, else <see cref="Error"/>.</summary>
internal sealed record FlowOpenResult(FlowOpenError Error, string Host, OpenedFlow? Flow);

/// <summary>The answer the challenge page posts back: its flow, its proof-of-work solution, whether the box was ticked.</summary>
internal sealed record FlowAnswer(string FlowToken, PowSolution Solution, bool Checkbox);

/// <summary>
/// The outcome of <see cref="FlowService.AnswerAsync"/>: the signed CHALLENGE_COMPLETE message, or an error code
/// (<c>pow_invalid</c>, <c>pow_other_flow</c>, <c>pow_expired</c>, <c>pow_wrong_answer</c>, <c>pow_replayed</c>,
/// <c>flow_unknown_or_spent</c>, <c>checkbox_required</c>, <c>unavailable</c>).
/// </summary>
internal sealed record FlowAnswerResult(string? Error, SignedMessage? Complete);

/// <summary>
/// The challenge workflow, free of HTTP: open an <c>eo</c> and create the flow record and its proof-of-work challenge;
/// check an answer and issue the token. Each step returns a result with an error code rather than throwing.
/// </summary>
internal sealed class FlowService(
    CredentialStore credentials,
    FlowRepository flows,
    IOptions<ChallengeServerOptions> options,
    TimeProvider timeProvider,
    ILogger<FlowService> logger)
{
    private const int MaxEoLength = 8192;
    private static readonly TimeSpan SpentMarkLifetime = TimeSpan.FromMinutes(20);
    private readonly ChallengeServerOptions _options = options.Value;

    public async Task<FlowOpenResult> OpenAsync(FlowOpenRequest request, CancellationToken cancellationToken)
    {
        string host = new Uri(request.ParentOrigin).Host;
        ServedCredential? credential = credentials.FindByPublicToken(request.PublicToken);
        if (credential is null)
        {
            Log.Refused(logger, "unknown public token");
            return new FlowOpenResult(FlowOpenError.UnknownPublicToken, host, null);
        }

        if (!credential.AllowsHost(host))
        {
            Log.Refused(logger, "domain not allowed");
            return new FlowOpenResult(FlowOpenError.DomainNotAllowed, host, null);
        }

        (string? eo, JsonElement? telemetry) = Cdweo.Read(request.Cdweo);

        // Only v3 (XChaCha20-Poly1305, one AEAD check): the SDKs have sealed eo as v3 for years, and opening a legacy
        // v2 value runs Argon2id (64 MiB, ~0.1 s of CPU) before anything is authenticated — a flood lever.
        if (eo is null || eo.Length > MaxEoLength || !eo.StartsWith(SecretBox.V3Prefix, StringComparison.Ordinal))
        {
            Log.Refused(logger, "eo is missing, too long or not a v3 sealed value");
            return new FlowOpenResult(FlowOpenError.InvalidOptions, host, null);
        }

        if (!credential.SecretBox.TryOpen(eo, out byte[]? plaintext))
        {
            Log.Refused(logger, "eo does not open with the credential's secret");
            return new FlowOpenResult(FlowOpenError.InvalidOptions, host, null);
        }

        if (!TryReadOptions(plaintext, out string? nonce, out string mode))
        {
            return new FlowOpenResult(FlowOpenError.NoNonce, host, null);
        }

        try
        {
            if (await flows.IsSpentAsync(nonce, cancellationToken).ConfigureAwait(false))
            {
                return new FlowOpenResult(FlowOpenError.AlreadySpent, host, null);
            }

            DateTimeOffset now = timeProvider.GetUtcNow();
            double risk = RiskScorer.Score(request.Signals, telemetry);
            bool checkbox = mode == "puzzle" || (mode != "hidden" && risk >= _options.CheckboxRiskThreshold);
            string flowToken = Guid.NewGuid().ToString();
            var record = new FlowRecord(credential.Credential.PublicKey, nonce, mode, risk, checkbox, request.ParentOrigin, host);
            int maxNumber = (int)Math.Min(int.MaxValue, _options.PowMaxNumber * (1 + (9 * risk)));
            PowChallenge pow = PowChallenge.Create(credential.PowKey, flowToken, credential.Credential.PublicKey, maxNumber, now + _options.PowLifetime);
            await flows.SaveAsync(flowToken, record, _options.FlowLifetime, cancellationToken).ConfigureAwait(false);
            await flows.SavePowAsync(pow.Challenge, _options.PowLifetime, cancellationToken).ConfigureAwait(false);
            Log.FlowStarted(logger, mode, risk, checkbox);
            return new FlowOpenResult(FlowOpenError.None, host, new OpenedFlow(flowToken, pow, checkbox, ChallengeMessages.Handshake(credential, flowToken, now)));
        }
        catch (NonceStoreUnavailableException)
        {
            return new FlowOpenResult(FlowOpenError.Unavailable, host, null);
        }
    }

    public async Task<FlowAnswerResult> AnswerAsync(FlowAnswer answer, CancellationToken cancellationToken)
    {
        ServedCredential? credential = credentials.FindByPublicKey(PowVerifier.PublicKeyOf(answer.Solution));
        if (PowVerifier.Check(credential, answer.Solution, answer.FlowToken, timeProvider.GetUtcNow()) is { } powError)
        {
            return new FlowAnswerResult(powError, null);
        }

        try
        {
            if (!await flows.UsePowAsync(answer.Solution.Challenge!, cancellationToken).ConfigureAwait(false))
            {
                return new FlowAnswerResult("pow_replayed", null);
            }

            FlowRecord? flow = await flows.TakeAsync(answer.FlowToken, cancellationToken).ConfigureAwait(false);
            if (flow is null || flow.PublicKey != credential!.Credential.PublicKey || await flows.IsSpentAsync(flow.Nonce, cancellationToken).ConfigureAwait(false))
            {
                return new FlowAnswerResult("flow_unknown_or_spent", null);
            }

            if (flow.NeedsCheckbox && !answer.Checkbox)
            {
                return new FlowAnswerResult("checkbox_required", null);
            }

            DateTimeOffset expiresAt = timeProvider.GetUtcNow() + _options.TokenLifetime;
            SignedMessage complete = ChallengeMessages.Complete(credential, flow, answer.FlowToken, expiresAt);
            await flows.MarkSpentAsync(flow.Nonce, SpentMarkLifetime, cancellationToken).ConfigureAwait(false);
            Log.TokenIssued(logger, flow.Risk);
            return new FlowAnswerResult(null, complete);
        }
        catch (NonceStoreUnavailableException)
        {
            return new FlowAnswerResult("unavailable", null);
        }
    }

    private static bool TryReadOptions(byte[] plaintext, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? nonce, out string mode)
    {
        nonce = null;
        mode = "auto";
        try
        {
            using JsonDocument document = JsonDocument.Parse(plaintext);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            if (root.TryGetProperty("mode", out JsonElement m) && m.GetString() is "hidden" or "puzzle" or "auto")
            {
                mode = m.GetString()!;
            }

            nonce = root.TryGetProperty("nonce", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            return nonce is not null && CrafyCaptcha.Protocol.CaptchaTokenReader.IsLowercaseHex(Encoding.ASCII.GetBytes(nonce), 64);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
