using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using CrafyCaptcha.Server.Credentials;
using CrafyCaptcha.Server.Flows;
using CrafyCaptcha.Server.Pow;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.Puzzles;

/// <summary>What the page may know of a puzzle: its kind, its one-time image id and (connect) the symbols to link in order.</summary>
internal sealed record PuzzleView(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("image")] string ImageId,
    [property: JsonPropertyName("prompt")] string[] Prompt)
{
    public static PuzzleView Of(PuzzleState state) => new(state.Spec.Kind, state.ImageId, state.Spec.Prompt);
}

/// <summary>
/// The puzzles' life in a flow: start one (its spec kept in the flow, its image under a one-time id), serve the image
/// once, judge an answer (a wrong one keeps the flow alive for a retry with the same proof-of-work, up to the limits),
/// give a new puzzle on request, or switch the flow to the accessible path (a larger proof-of-work instead of a picture).
/// </summary>
internal sealed class PuzzleService(IChallengeStateStore store, FlowRepository flows, CredentialStore credentials, IOptions<ChallengeServerOptions> options, TimeProvider time)
{
    /// <summary>Wrong answers a connect puzzle takes before it is replaced (a slider takes one: a wrong answer climbs to connect).</summary>
    public const int MaxWrongPerPuzzle = 3;

    /// <summary>Puzzles one flow may show (the first, replacements, "new puzzle"); then the widget loads a new flow.</summary>
    public const int MaxPuzzlesPerFlow = 4;

    /// <summary>How many times the flow's proof-of-work the accessible path asks.</summary>
    public const int AccessiblePowFactor = 20;

    private const string ImagePrefix = "pzl-img:";
    private readonly ChallengeServerOptions _options = options.Value;

    public async ValueTask<PuzzleState> StartAsync(string kind, int shown, string? powSpent, CancellationToken cancellationToken)
    {
        PuzzleSpec spec = kind == PuzzleSpec.Slider ? PuzzleSpec.NewSlider() : PuzzleSpec.NewConnect();
        string imageId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await store.SetAsync(ImagePrefix + imageId, JsonSerializer.SerializeToUtf8Bytes(spec, PuzzleJson.Default.PuzzleSpec), _options.FlowLifetime, cancellationToken).ConfigureAwait(false);
        return new PuzzleState(spec, imageId, 0, shown + 1, powSpent);
    }

    /// <summary>The image of a puzzle, rendered now, for its first request only; <see langword="null"/> after that.</summary>
    public async ValueTask<byte[]?> TakeImageAsync(string imageId, CancellationToken cancellationToken)
    {
        if (imageId.Length != 32 || !imageId.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        byte[]? json = await store.TakeAsync(ImagePrefix + imageId, cancellationToken).ConfigureAwait(false);
        return json is null || JsonSerializer.Deserialize(json, PuzzleJson.Default.PuzzleSpec) is not { } spec ? null : PuzzleRenderer.Render(spec);
    }

    /// <summary>
    /// Judges a puzzle flow's answer once the proof-of-work and the interaction trail passed. <see langword="null"/>
    /// when it passes; otherwise the refusal, and the flow is kept (a wrong slider climbs to a connect puzzle; a third
    /// wrong connect answer gets a new connect puzzle; past <see cref="MaxPuzzlesPerFlow"/> the flow ends).
    /// </summary>
    public async ValueTask<FlowAnswerResult?> JudgeAsync(string flowToken, FlowRecord flow, PowSolution solution, JsonElement? answer, CancellationToken cancellationToken)
    {
        PuzzleState puzzle = flow.Puzzle!;
        if (puzzle.AccessiblePow is { } accessible)
        {
            // Only the accessible path's own proof-of-work passes now; anything else leaves the flow waiting for it.
            return solution.Challenge == accessible ? null
                : await KeepAsync(flowToken, flow with { Puzzle = puzzle with { PowSpent = puzzle.PowSpent ?? solution.Challenge } }, cancellationToken).ConfigureAwait(false)
                    ? new FlowAnswerResult("puzzle_wrong", null)
                    : new FlowAnswerResult("flow_unknown_or_spent", null);
        }

        if (puzzle.Spec.Accepts(answer))
        {
            return null;
        }

        PuzzleState next = puzzle with { WrongAnswers = puzzle.WrongAnswers + 1, PowSpent = solution.Challenge };
        bool replace = puzzle.Spec.Kind == PuzzleSpec.Slider || next.WrongAnswers >= MaxWrongPerPuzzle;
        if (replace)
        {
            if (puzzle.Shown >= MaxPuzzlesPerFlow)
            {
                return new FlowAnswerResult("puzzle_exhausted", null);
            }

            next = await StartAsync(PuzzleSpec.Connect, puzzle.Shown, solution.Challenge, cancellationToken).ConfigureAwait(false);
        }

        if (!await KeepAsync(flowToken, flow with { Puzzle = next }, cancellationToken).ConfigureAwait(false))
        {
            return new FlowAnswerResult("flow_unknown_or_spent", null);
        }

        return new FlowAnswerResult(replace ? "puzzle_new" : "puzzle_wrong", null, replace ? PuzzleView.Of(next) : null);
    }

    /// <summary>
    /// "New puzzle" (<paramref name="accessible"/> false): a fresh puzzle of the same kind, within the flow's limit.
    /// "I can't see the puzzle" (<paramref name="accessible"/> true): the flow now asks a proof-of-work
    /// <see cref="AccessiblePowFactor"/> times larger instead of the puzzle (once per flow).
    /// </summary>
    public async ValueTask<PuzzleActionResult> ActAsync(string flowToken, bool accessible, CancellationToken cancellationToken)
    {
        FlowRecord? flow = await flows.TakeAsync(flowToken, cancellationToken).ConfigureAwait(false);
        if (flow?.Puzzle is not { } puzzle || credentials.FindByPublicKey(flow.PublicKey) is not { } credential)
        {
            return new PuzzleActionResult("flow_unknown_or_spent", null, null);
        }

        PuzzleState next;
        PowChallenge? pow = null;
        if (accessible)
        {
            if (puzzle.AccessiblePow is not null)
            {
                await KeepAsync(flowToken, flow, cancellationToken).ConfigureAwait(false);
                return new PuzzleActionResult("puzzle_exhausted", null, null);
            }

            int maxNumber = (int)Math.Min(int.MaxValue / 2, AccessiblePowFactor * _options.PowMaxNumber * Math.Pow(_options.Risk.PowGrowth, flow.Risk));
            pow = PowChallenge.Create(credential.PowKey, flowToken, flow.PublicKey, maxNumber, time.GetUtcNow() + _options.PowLifetime);
            await flows.SavePowAsync(pow.Challenge, _options.PowLifetime, cancellationToken).ConfigureAwait(false);
            next = puzzle with { AccessiblePow = pow.Challenge };
        }
        else if (puzzle.Shown >= MaxPuzzlesPerFlow || puzzle.AccessiblePow is not null)
        {
            await KeepAsync(flowToken, flow, cancellationToken).ConfigureAwait(false);
            return new PuzzleActionResult("puzzle_exhausted", null, null);
        }
        else
        {
            next = await StartAsync(puzzle.Spec.Kind, puzzle.Shown, puzzle.PowSpent, cancellationToken).ConfigureAwait(false);
        }

        return await KeepAsync(flowToken, flow with { Puzzle = next }, cancellationToken).ConfigureAwait(false)
            ? new PuzzleActionResult(null, accessible ? null : PuzzleView.Of(next), pow)
            : new PuzzleActionResult("flow_unknown_or_spent", null, null);
    }

    /// <summary>Puts a taken flow back for its remaining lifetime; <see langword="false"/> when it has none left.</summary>
    private async ValueTask<bool> KeepAsync(string flowToken, FlowRecord flow, CancellationToken cancellationToken)
    {
        TimeSpan left = _options.FlowLifetime - (time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(flow.IssuedAtUnixMilliseconds));
        if (left <= TimeSpan.Zero)
        {
            return false;
        }

        await flows.SaveAsync(flowToken, flow, left, cancellationToken).ConfigureAwait(false);
        return true;
    }
}

/// <summary>The outcome of <see cref="PuzzleService.ActAsync"/>: an error code, or the new puzzle, or the accessible path's proof-of-work.</summary>
internal sealed record PuzzleActionResult(string? Error, PuzzleView? Puzzle, PowChallenge? Pow);
