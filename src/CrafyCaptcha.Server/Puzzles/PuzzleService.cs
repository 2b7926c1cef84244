using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using CrafyCaptcha.Server.Credentials;
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
/// A puzzle's verdict on an answer: passed, or refused with the error code, the puzzle state the flow keeps (none when
/// the flow ends) and, when the puzzle was replaced, what the page shows next.
/// </summary>
internal sealed record PuzzleVerdict(ChallengeRefusal? Error, PuzzleState? Keep = null, PuzzleView? NewPuzzle = null)
{
    public static readonly PuzzleVerdict Passed = new((ChallengeRefusal?)null);
}

/// <summary>A puzzle action's outcome: an error code (the flow keeps <see cref="Puzzle"/> unchanged), or the flow's next puzzle state and, on the accessible path, its proof-of-work.</summary>
internal sealed record PuzzleStep(ChallengeRefusal? Error, PuzzleState Puzzle, PowChallenge? Pow = null);

/// <summary>
/// The puzzles of a flow, as a judge: start one (its spec for the flow, its image under a one-time id), serve the image
/// once, judge an answer (a wrong one keeps the flow alive for a retry with the same proof-of-work, up to the limits),
/// give a new puzzle on request, or switch to the accessible path (a larger proof-of-work instead of a picture). It
/// reads and writes no flow record: <c>FlowService</c> takes the flow, asks, and keeps what it is told.
/// </summary>
internal sealed class PuzzleService(IChallengeStateStore store, IOptions<ChallengeServerOptions> options, TimeProvider time, PowIssuer powIssuer)
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
    /// Judges a puzzle flow's answer once the proof-of-work and the interaction trail passed: <see cref="PuzzleVerdict.Passed"/>,
    /// or the refusal and what the flow keeps (a wrong slider climbs to a connect puzzle; a third wrong connect answer gets
    /// a new connect puzzle; past <see cref="MaxPuzzlesPerFlow"/> the flow ends).
    /// </summary>
    public async ValueTask<PuzzleVerdict> JudgeAsync(PuzzleState puzzle, PowSolution solution, JsonElement? answer, CancellationToken cancellationToken)
    {
        if (puzzle.AccessiblePow is { } accessible)
        {
            // Only the accessible path's own proof-of-work passes now; anything else leaves the flow waiting for it.
            return solution.Challenge == accessible
                ? PuzzleVerdict.Passed
                : new PuzzleVerdict(ChallengeRefusal.PuzzleWrong, puzzle with { PowSpent = puzzle.PowSpent ?? solution.Challenge });
        }

        if (puzzle.Spec.Accepts(answer))
        {
            return PuzzleVerdict.Passed;
        }

        PuzzleState next = puzzle with { WrongAnswers = puzzle.WrongAnswers + 1, PowSpent = solution.Challenge };
        if (puzzle.Spec.Kind != PuzzleSpec.Slider && next.WrongAnswers < MaxWrongPerPuzzle)
        {
            return new PuzzleVerdict(ChallengeRefusal.PuzzleWrong, next);
        }

        if (puzzle.Shown >= MaxPuzzlesPerFlow)
        {
            return new PuzzleVerdict(ChallengeRefusal.PuzzleExhausted); // the flow ends
        }

        next = await StartAsync(PuzzleSpec.Connect, puzzle.Shown, solution.Challenge, cancellationToken).ConfigureAwait(false);
        return new PuzzleVerdict(ChallengeRefusal.PuzzleNew, next, PuzzleView.Of(next));
    }

    /// <summary>
    /// "New puzzle" (<paramref name="accessible"/> false): a fresh puzzle of the same kind, within the flow's limit.
    /// "I can't see the puzzle" (<paramref name="accessible"/> true): the flow now asks a proof-of-work
    /// <see cref="AccessiblePowFactor"/> times larger instead of the puzzle (once per flow).
    /// </summary>
    public async ValueTask<PuzzleStep> ActAsync(PuzzleState puzzle, bool accessible, ServedCredential credential, string flowToken, double risk, string powAlgorithm, CancellationToken cancellationToken)
    {
        if (accessible)
        {
            if (puzzle.AccessiblePow is not null)
            {
                return new PuzzleStep(ChallengeRefusal.PuzzleExhausted, puzzle);
            }

            int maxNumber = (int)Math.Min(int.MaxValue / 2, AccessiblePowFactor * _options.PowMaxNumber * Math.Pow(_options.Risk.PowGrowth, risk));
            // In the flow's algorithm: with Argon2id (Pow:Algorithm, its rung's, or its policy's) the path's work is memory-hard too.
            PowChallenge pow = powIssuer.Create(credential, flowToken, maxNumber, time.GetUtcNow() + _options.PowLifetime, split: false, powAlgorithm);
            return new PuzzleStep(null, puzzle with { AccessiblePow = pow.Challenge }, pow);
        }

        if (puzzle.Shown >= MaxPuzzlesPerFlow || puzzle.AccessiblePow is not null)
        {
            return new PuzzleStep(ChallengeRefusal.PuzzleExhausted, puzzle);
        }

        return new PuzzleStep(null, await StartAsync(puzzle.Spec.Kind, puzzle.Shown, puzzle.PowSpent, cancellationToken).ConfigureAwait(false));
    }
}
