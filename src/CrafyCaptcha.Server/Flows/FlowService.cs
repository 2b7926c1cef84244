using System.Text;
using System.Text.Json;
using CrafyCaptcha.Cryptography;
using CrafyCaptcha.Server.Credentials;
using CrafyCaptcha.Server.Instrumentation;
using CrafyCaptcha.Server.Internal;
using CrafyCaptcha.Server.Pow;
using CrafyCaptcha.Server.Protocol;
using CrafyCaptcha.Server.Risk;
using CrafyCaptcha.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Flows;

/// <summary>
/// The challenge workflow, free of HTTP, and the one owner of flow records: open an <c>eo</c> and create the flow record
/// and its proof-of-work challenge; check an answer and issue the token; a puzzle flow's actions. The judges (puzzles,
/// proof-of-work, program, trail) get state and an answer and return a verdict; only this type loads and saves a flow
/// (a test pins it). Each step returns a result with an error code rather than throwing.
/// </summary>
internal sealed class FlowService(
    CredentialStore credentials,
    FlowRepository flows,
    RiskEngine risk,
    Puzzles.PuzzleService puzzleService,
    Turnstile.TurnstileVerifier turnstile,
    PowIssuer powIssuer,
    IOptions<ChallengeServerOptions> options,
    TimeProvider timeProvider,
    ILogger<FlowService> logger,
    IEnumerable<IChallengeUsageSink>? usageSinks = null) : IDisposable
{
    private readonly IChallengeUsageSink[] _usage = usageSinks?.ToArray() ?? [];

    // Per-instance flood guards, spent only by requests that would create a flow or could earn a token (garbage is
    // refused before and costs the client nothing but friction: it counts as a failure in the risk engine).
    private readonly ClientBudget _loads = new(options.Value.Risk.ChallengeLoadsPerMinute);
    private readonly ClientBudget _answers = new(options.Value.Risk.AnswersPerMinute);

    /// <summary>How many times one <c>eo</c> may load the challenge (each reset or reload of the widget is a load).</summary>
    public const int MaxLoadsPerEo = 8;

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
            Count(credential, ChallengeUsage.Refusal);
            Log.Refused(logger, "domain not allowed");
            return new FlowOpenResult(FlowOpenError.DomainNotAllowed, host, null);
        }

        (string? eo, JsonElement? telemetry) = Cdweo.Read(request.Cdweo);

        // Only v3 (XChaCha20-Poly1305, one AEAD check): the SDKs have sealed eo as v3 for years, and opening a legacy
        // v2 value runs Argon2id (64 MiB, ~0.1 s of CPU) before anything is authenticated — a flood lever.
        try
        {
            if (eo is null || eo.Length > MaxEoLength || !eo.StartsWith(SecretBox.V3Prefix, StringComparison.Ordinal))
            {
                Log.Refused(logger, "eo is missing, too long or not a v3 sealed value");
                await risk.RecordFailureAsync(request.Signals.RemoteAddress, "invalid_options", cancellationToken).ConfigureAwait(false);
                return new FlowOpenResult(FlowOpenError.InvalidOptions, host, null);
            }

            if (!credential.SecretBox.TryOpen(eo, out byte[]? plaintext))
            {
                Log.Refused(logger, "eo does not open with the credential's secret");
                await risk.RecordFailureAsync(request.Signals.RemoteAddress, "invalid_options", cancellationToken).ConfigureAwait(false);
                return new FlowOpenResult(FlowOpenError.InvalidOptions, host, null);
            }

            if (ReadOptions(plaintext) is not { } flowOptions)
            {
                return new FlowOpenResult(FlowOpenError.NoNonce, host, null);
            }

            (string nonce, string mode, IReadOnlyList<string> puzzles, bool accessiblePath, string? powAlgorithm) = flowOptions;
            if (!_loads.TryTake(request.Signals.RemoteAddress))
            {
                Log.Refused(logger, "challenge load budget spent");
                return new FlowOpenResult(FlowOpenError.Refused, host, null, new Refusal(StatusCodes.Status429TooManyRequests, ClientBudget.RetryAfter));
            }

            // One eo serves a few loads (resets, reloads), then the widget must ask for a new flow: a script cannot
            // mint thousands of challenges from one set of options. The load is counted together with the check that
            // the eo is not spent (one round trip on Redis); a spent eo's load counts too, and is refused.
            (bool spent, long loads) = await StoreCalls.BothAsync(
                flows.IsSpentAsync(nonce, cancellationToken),
                flows.CountLoadAsync(nonce, _options.FlowLifetime, cancellationToken)).ConfigureAwait(false);
            if (spent)
            {
                return new FlowOpenResult(FlowOpenError.AlreadySpent, host, null);
            }

            if (loads > MaxLoadsPerEo)
            {
                Log.Refused(logger, "eo loaded too many times");
                await risk.RecordFailureAsync(request.Signals.RemoteAddress, "eo_reloaded", cancellationToken).ConfigureAwait(false);
                return new FlowOpenResult(FlowOpenError.TooManyLoads, host, null);
            }

            RiskAssessment assessment = await risk.AssessLoadAsync(request.Signals, telemetry, mode, request.Puzzles ?? puzzles, cancellationToken).ConfigureAwait(false);
            if (assessment.Refusal is { } refusal)
            {
                Count(credential, ChallengeUsage.Refusal);
                return new FlowOpenResult(FlowOpenError.Refused, host, null, refusal, assessment);
            }

            DateTimeOffset now = timeProvider.GetUtcNow();
            string flowToken = Guid.NewGuid().ToString();
            string step = RiskEngine.StepName(assessment.Step);
            Puzzles.PuzzleState? puzzle = assessment.Step is ChallengeStep.Slider or ChallengeStep.Connect ? await puzzleService.StartAsync(step, 0, null, cancellationToken).ConfigureAwait(false) : null;
            var record = new FlowRecord(credential.Credential.PublicKey, nonce, mode, assessment.Score, step, [.. assessment.Reasons], now.ToUnixTimeMilliseconds(), request.ParentOrigin, host, Puzzle: puzzle, NoAccessiblePath: !accessiblePath, PowAlgorithm: powIssuer.AlgorithmFor(step, powAlgorithm));
            string? program = null;
            if (_options.Instrumentation.Enabled)
            {
                // The page carries the flow's program inline; the flow keeps only what it must return.
                GeneratedProgram generated = ProgramGenerator.Generate();
                record = record with { Program = generated.Expected };
                program = generated.Script;
            }

            PowChallenge pow = powIssuer.Create(credential, flowToken, assessment.PowMaxNumber, now + _options.PowLifetime, split: true, record.PowAlgorithm!);

            // The checkbox rung: a pass by keyboard or touch (the cheapest trails to forge) pays an extra proof-of-work.
            PowChallenge? surcharge = null;
            if (assessment.Step == ChallengeStep.Checkbox && _options.Risk.KeyboardOrTouchWorkFactor > 0)
            {
                int maxNumber = (int)Math.Clamp(assessment.PowMaxNumber * _options.Risk.KeyboardOrTouchWorkFactor, 1, int.MaxValue);
                surcharge = powIssuer.Create(credential, flowToken, maxNumber, now + _options.PowLifetime, split: false, record.PowAlgorithm!);
                record = record with { Surcharge = surcharge.Challenge };
                await flows.SavePowAsync(surcharge.Challenge, _options.PowLifetime, cancellationToken).ConfigureAwait(false);
            }

            await StoreCalls.BothAsync(
                flows.SaveAsync(flowToken, record, _options.FlowLifetime, cancellationToken),
                flows.SavePowAsync(pow.Challenge, _options.PowLifetime, cancellationToken)).ConfigureAwait(false);
            Log.FlowStarted(logger, mode, assessment.Score, step);
            Count(credential, ChallengeUsage.Flow, assessment.Score);
            if (assessment.Step != ChallengeStep.Invisible)
            {
                Count(credential, ChallengeUsage.Escalation);
            }

            return new FlowOpenResult(FlowOpenError.None, host, new OpenedFlow(flowToken, pow, record.IsInteractive, ChallengeMessages.Handshake(credential, flowToken, now, _options.Turnstile.ScriptUrl), program, puzzle is null ? null : Puzzles.PuzzleView.Of(puzzle), credential.TurnstileSiteKey is not null, surcharge, accessiblePath), Assessment: assessment);
        }
        catch (ChallengeStateUnavailableException)
        {
            return new FlowOpenResult(FlowOpenError.Unavailable, host, null);
        }
    }

    public async Task<FlowAnswerResult> AnswerAsync(FlowAnswer answer, CancellationToken cancellationToken)
    {
        try
        {
            FlowAnswerResult result = await CheckAnswerAsync(answer, cancellationToken).ConfigureAwait(false);
            if (result.Error is { } error && error is not (ChallengeRefusal.Unavailable or ChallengeRefusal.TurnstileUnavailable))
            {
                // Every refused answer counts against the client: a script that keeps guessing climbs the ladder.
                await risk.RecordFailureAsync(answer.RemoteAddress, error.ToString(), cancellationToken).ConfigureAwait(false);
            }

            return result;
        }
        catch (ChallengeStateUnavailableException)
        {
            return new FlowAnswerResult(ChallengeRefusal.Unavailable, null);
        }
    }

    private async Task<FlowAnswerResult> CheckAnswerAsync(FlowAnswer answer, CancellationToken cancellationToken)
    {
        ServedCredential? credential = credentials.FindByPublicKey(PowVerifier.PublicKeyOf(answer.Solution));
        DateTimeOffset now = timeProvider.GetUtcNow();
        if (PowVerifier.CheckAll(credential, answer.Solution, answer.SolutionParts, answer.FlowToken, now) is { } powError)
        {
            return new FlowAnswerResult(powError, null);
        }

        if (!_answers.TryTake(answer.RemoteAddress))
        {
            return new FlowAnswerResult(ChallengeRefusal.RateLimited, null);
        }

        // A puzzle flow's retry presents the proof-of-work its first answer spent (one proof-of-work per flow).
        (bool powFresh, FlowRecord? flow) = await StoreCalls.BothAsync(
            flows.UsePowAsync(answer.Solution.Challenge!, cancellationToken),
            flows.TakeAsync(answer.FlowToken, cancellationToken)).ConfigureAwait(false);
        if (!powFresh && (flow?.Puzzle?.PowSpent is not { } spent || spent != answer.Solution.Challenge))
        {
            return new FlowAnswerResult(ChallengeRefusal.PowReplayed, null);
        }

        // A flow of an eo already spent is refused by the claim below (one round trip, not a read here and the claim
        // there), except where a step before the claim would act for it: a puzzle's wrong answer keeps the flow for a
        // retry, and Turnstile asks Cloudflare (using up the page's Turnstile token). Those flows read the mark first.
        if (flow is null || flow.PublicKey != credential!.Credential.PublicKey
            || ((flow.Puzzle is not null || credential.TurnstileSiteKey is not null) && await flows.IsSpentAsync(flow.Nonce, cancellationToken).ConfigureAwait(false)))
        {
            return new FlowAnswerResult(ChallengeRefusal.FlowUnknownOrSpent, null);
        }

        if (flow.Surcharge is { } extra && (answer.Solution.Challenge == extra || answer.SolutionParts?.Any(p => p?.Challenge == extra) == true))
        {
            // The keyboard's extra challenge is no stand-in for the flow's own proof-of-work.
            return new FlowAnswerResult(ChallengeRefusal.PowInvalid, null);
        }

        // A browser needs time to load the page's scripts and start a worker; an answer sooner than that was computed
        // before the page ran. (It costs a patient script wall-clock time, not CPU: see the README's limits.)
        if (now.ToUnixTimeMilliseconds() - flow.IssuedAtUnixMilliseconds < _options.Risk.MinimumSolveTime.TotalMilliseconds)
        {
            Log.Refused(logger, "answer faster than a browser can run the page");
            return new FlowAnswerResult(ChallengeRefusal.PowTooFast, null);
        }

        if (flow.Program is { } program)
        {
            // The program's result: only a browser that ran it (DOM and layout) has it. Then its facts: announced
            // automation lifts an invisible flow up the ladder (refused now, remembered for the reload's assessment).
            var markers = new List<string>();
            if (!ProgramCheck.Matches(program, answer.Program, markers))
            {
                Log.Refused(logger, "instrumentation program result missing or wrong");
                return new FlowAnswerResult(ChallengeRefusal.ProgramInvalid, null);
            }

            if (markers.Except(flow.Reasons).ToArray() is { Length: > 0 } added)
            {
                double score = risk.ScoreWith(flow.Risk, added);
                Log.AutomationMarkers(logger, string.Join(',', added), score);
                if (!flow.IsInteractive && risk.StepFor(score, flow.Mode, []) != ChallengeStep.Invisible)
                {
                    await risk.RememberMarkersAsync(answer.RemoteAddress, added, cancellationToken).ConfigureAwait(false);
                    return new FlowAnswerResult(ChallengeRefusal.AutomationDetected, null);
                }

                flow = flow with { Risk = score, Reasons = [.. flow.Reasons, .. added] };
            }
        }

        TimeSpan served = TimeSpan.FromMilliseconds(now.ToUnixTimeMilliseconds() - flow.IssuedAtUnixMilliseconds);
        if (flow.IsInteractive && InteractionEvidence.Judge(answer.Interaction, served) is { } implausible)
        {
            Log.Refused(logger, "interaction evidence: " + implausible);
            return new FlowAnswerResult(ChallengeRefusal.InteractionRequired, null);
        }

        if (flow.Surcharge is { } surcharge && InteractionEvidence.KindOf(answer.Interaction) is "keyboard" or "touch"
            && (answer.Surcharge is not { } paid || paid.Challenge != surcharge || PowVerifier.Check(credential, paid, answer.FlowToken, now) is not null
                || !await flows.UsePowAsync(surcharge, cancellationToken).ConfigureAwait(false)))
        {
            Log.Refused(logger, "a keyboard or touch pass without its extra proof-of-work");
            return new FlowAnswerResult(ChallengeRefusal.PowIncomplete, null);
        }

        if (flow.Puzzle is { } puzzle)
        {
            Puzzles.PuzzleVerdict verdict = await puzzleService.JudgeAsync(puzzle, answer.Solution, answer.Puzzle, cancellationToken).ConfigureAwait(false);
            if (verdict.Error is { } refused)
            {
                // A wrong answer keeps the flow (with the puzzle state the judge gives) for a retry; an exhausted one ends it.
                return verdict.Keep is { } next && !await KeepAsync(answer.FlowToken, flow with { Puzzle = next }, cancellationToken).ConfigureAwait(false)
                    ? new FlowAnswerResult(ChallengeRefusal.FlowUnknownOrSpent, null)
                    : new FlowAnswerResult(refused, null, verdict.NewPuzzle);
            }
        }

        if (credential.TurnstileSiteKey is not null)
        {
            (ChallengeRefusal? turnstileError, flow) = await CheckTurnstileAsync(credential, flow, answer, cancellationToken).ConfigureAwait(false);
            if (turnstileError is not null)
            {
                return new FlowAnswerResult(turnstileError, null);
            }
        }

        // The eo is claimed once (an atomic add): of two flows of one eo answered at once, one gets a token. The
        // completed flow is kept only after the claim, so a failed claim (503) leaves nothing check_flow accepts.
        if (!await flows.TryMarkSpentAsync(flow.Nonce, SpentMarkLifetime, cancellationToken).ConfigureAwait(false))
        {
            return new FlowAnswerResult(ChallengeRefusal.FlowUnknownOrSpent, null);
        }

        DateTimeOffset expiresAt = now + _options.TokenLifetime;
        SignedMessage complete = ChallengeMessages.Complete(credential, answer.FlowToken, flow.Nonce, flow.Risk, flow.Step, flow.Hostname, flow.Reasons, expiresAt);
        await flows.SaveCompletedAsync(flow.PublicKey, answer.FlowToken, new CompletedFlow(flow.Risk), _options.TokenLifetime, cancellationToken).ConfigureAwait(false);
        Log.TokenIssued(logger, flow.Risk);
        Count(credential, ChallengeUsage.Pass);
        return new FlowAnswerResult(null, complete);
    }

    /// <summary>
    /// The Turnstile step, last before a token is issued (so wrong answers never reach Cloudflare): the token the page
    /// sent must pass <c>siteverify</c>. <c>'skipped'</c> or none is refused. When <c>siteverify</c> is unavailable the
    /// person is not locked out: an invisible flow the reason lifts is refused and its address remembered, so the reload
    /// is assessed with <see cref="RiskReasons.TurnstileUnavailable"/> and asks an interactive step; an interactive flow
    /// (or a hidden one below its threshold) passes, its token naming that reason.
    /// </summary>
    private async Task<(ChallengeRefusal? Error, FlowRecord Flow)> CheckTurnstileAsync(ServedCredential credential, FlowRecord flow, FlowAnswer answer, CancellationToken cancellationToken)
    {
        if (answer.Turnstile is not { Length: > 0 and <= Turnstile.TurnstileVerifier.MaxTokenLength } token || token == "skipped")
        {
            Log.Refused(logger, "Turnstile token missing, skipped or too long");
            return (ChallengeRefusal.TurnstileMissing, flow);
        }

        Turnstile.TurnstileVerdict verdict = await turnstile.VerifyAsync(credential.Credential.Turnstile, token, answer.RemoteAddress, answer.FlowToken, flow.Hostname, cancellationToken).ConfigureAwait(false);
        if (verdict != Turnstile.TurnstileVerdict.Unavailable)
        {
            return (verdict switch
            {
                Turnstile.TurnstileVerdict.Passed => (ChallengeRefusal?)null,
                Turnstile.TurnstileVerdict.Spent => ChallengeRefusal.TurnstileSpent,
                _ => ChallengeRefusal.TurnstileInvalid,
            }, flow);
        }

        if (flow.Reasons.Contains(RiskReasons.TurnstileUnavailable))
        {
            return (null, flow); // the reload after an earlier silence: this step is what stands in for Turnstile
        }

        double score = risk.ScoreWith(flow.Risk, [RiskReasons.TurnstileUnavailable]);
        if (!flow.IsInteractive && risk.StepFor(score, flow.Mode, []) != ChallengeStep.Invisible)
        {
            await risk.RememberMarkersAsync(answer.RemoteAddress, [RiskReasons.TurnstileUnavailable], cancellationToken).ConfigureAwait(false);
            return (ChallengeRefusal.TurnstileUnavailable, flow);
        }

        // An interactive flow, or a hidden one the reason does not lift (the site asked for no step below its threshold).
        return (null, flow with { Risk = score, Reasons = [.. flow.Reasons, RiskReasons.TurnstileUnavailable] });
    }

    /// <summary>
    /// A puzzle flow's "new puzzle" (<paramref name="accessible"/> false) or "I can't see the puzzle" (true): the flow is
    /// taken, the puzzle judge decides (<see cref="Puzzles.PuzzleService.ActAsync"/>), and the flow is kept with what it
    /// decided (unchanged after a refusal) for its remaining lifetime.
    /// </summary>
    public async Task<PuzzleActionResult> PuzzleActionAsync(string flowToken, bool accessible, System.Net.IPAddress? remoteAddress, CancellationToken cancellationToken)
    {
        FlowRecord? flow = await flows.TakeAsync(flowToken, cancellationToken).ConfigureAwait(false);
        if (flow?.Puzzle is not { } puzzle || credentials.FindByPublicKey(flow.PublicKey) is not { } credential)
        {
            return new PuzzleActionResult(ChallengeRefusal.FlowUnknownOrSpent, null, null);
        }

        if (accessible && flow.NoAccessiblePath)
        {
            Log.Refused(logger, "the flow's policy turned the accessible path off");
            return await KeepAsync(flowToken, flow, cancellationToken).ConfigureAwait(false)
                ? new PuzzleActionResult(ChallengeRefusal.AccessiblePathOff, null, null)
                : new PuzzleActionResult(ChallengeRefusal.FlowUnknownOrSpent, null, null);
        }

        if (accessible && puzzle.AccessiblePow is null)
        {
            // The accessible path is for people: a few per address and network and window, and it is named in the token.
            if (!await risk.TryTakeAccessiblePathAsync(remoteAddress, cancellationToken).ConfigureAwait(false))
            {
                Log.Refused(logger, "accessible path taken too often from this address or network");
                return await KeepAsync(flowToken, flow, cancellationToken).ConfigureAwait(false)
                    ? new PuzzleActionResult(ChallengeRefusal.AccessiblePathLimited, null, null)
                    : new PuzzleActionResult(ChallengeRefusal.FlowUnknownOrSpent, null, null);
            }

            flow = flow with { Risk = risk.ScoreWith(flow.Risk, [RiskReasons.AccessiblePath]), Reasons = [.. flow.Reasons, RiskReasons.AccessiblePath] };
        }

        Puzzles.PuzzleStep step = await puzzleService.ActAsync(puzzle, accessible, credential, flowToken, flow.Risk, flow.PowAlgorithm ?? powIssuer.AlgorithmFor(flow.Step, null), cancellationToken).ConfigureAwait(false);
        if (step.Pow is { } pow)
        {
            await flows.SavePowAsync(pow.Challenge, _options.PowLifetime, cancellationToken).ConfigureAwait(false);
        }

        bool kept = await KeepAsync(flowToken, flow with { Puzzle = step.Puzzle }, cancellationToken).ConfigureAwait(false);
        if (step.Error is { } error)
        {
            return new PuzzleActionResult(error, null, null);
        }

        return kept
            ? new PuzzleActionResult(null, accessible ? null : Puzzles.PuzzleView.Of(step.Puzzle), step.Pow)
            : new PuzzleActionResult(ChallengeRefusal.FlowUnknownOrSpent, null, null);
    }

    /// <summary>Puts a taken flow back for its remaining lifetime; <see langword="false"/> when it has none left.</summary>
    private async ValueTask<bool> KeepAsync(string flowToken, FlowRecord flow, CancellationToken cancellationToken)
    {
        TimeSpan left = _options.FlowLifetime - (timeProvider.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(flow.IssuedAtUnixMilliseconds));
        if (left <= TimeSpan.Zero)
        {
            return false;
        }

        await flows.SaveAsync(flowToken, flow, left, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// <c>check_flow</c>: consumes the completed flow <paramref name="flowToken"/> of the credential
    /// <paramref name="publicKey"/> atomically. Exactly one caller gets it, on any instance sharing the state store;
    /// <see langword="null"/> for the others and for an unknown, expired, unfinished or other credential's flow.
    /// </summary>
    /// <exception cref="ChallengeStateUnavailableException">The state store failed.</exception>
    public ValueTask<CompletedFlow?> CheckFlowAsync(string publicKey, string flowToken, CancellationToken cancellationToken)
        => flows.TakeCompletedAsync(publicKey, flowToken, cancellationToken);

    private void Count(ServedCredential credential, ChallengeUsage usage, double risk = 0)
    {
        foreach (IChallengeUsageSink sink in _usage)
        {
            sink.Record(credential.Credential.PublicKey, usage, risk);
        }
    }

    public void Dispose()
    {
        _loads.Dispose();
        _answers.Dispose();
    }

    /// <summary>What a flow's options (the opened <c>eo</c>) ask of it, or <see langword="null"/> without a valid nonce.</summary>
    private static FlowOptions? ReadOptions(byte[] plaintext)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(plaintext);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string? nonce = root.TryGetProperty("nonce", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (nonce is null || !CrafyCaptcha.Shared.NonceHex.IsLowercaseHex(Encoding.ASCII.GetBytes(nonce)))
            {
                return null;
            }

            string mode = root.TryGetProperty("mode", out JsonElement m) && m.ValueKind == JsonValueKind.String && m.GetString() is "hidden" or "puzzle" or "auto"
                ? m.GetString()!
                : "auto";
            IReadOnlyList<string> puzzles = root.TryGetProperty("puzzles", out JsonElement p) && p.ValueKind == JsonValueKind.Array
                ? [.. p.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).Where(name => name is "checkbox" or "slider" or "connect").Take(3)]
                : [];
            // A policy that turned the accessible path off (CrafyFlowPolicy.AccessiblePath): only a JSON false does.
            bool accessiblePath = !(root.TryGetProperty("accessible_path", out JsonElement a) && a.ValueKind == JsonValueKind.False);
            // A policy's own proof-of-work algorithm (CrafyFlowPolicy.PowAlgorithm); an unknown name leaves the engine's choice.
            string? powAlgorithm = root.TryGetProperty("pow_algorithm", out JsonElement pa) && pa.ValueKind == JsonValueKind.String ? pa.GetString() : null;
            return new FlowOptions(nonce, mode, puzzles, accessiblePath, powAlgorithm);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A flow's options: its nonce, mode, puzzles, whether the accessible path is on, and its policy's proof-of-work algorithm.</summary>
    private sealed record FlowOptions(string Nonce, string Mode, IReadOnlyList<string> Puzzles, bool AccessiblePath, string? PowAlgorithm);
}
