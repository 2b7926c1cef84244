using System.Text.Json;

namespace CrafyCaptcha.Server.Risk;

/// <summary>
/// A first risk score from what one request shows (0.0 safe to 1.0 bot-like): the client telemetry sent in
/// <c>cdweo</c> (automation flag, timing) and header consistency. IP reputation, velocity and puzzles come later.
/// </summary>
internal static class RiskScorer
{
    public static double Score(RiskSignals signals, JsonElement? telemetry)
    {
        double risk = 0.05;
        if (string.IsNullOrEmpty(signals.UserAgent))
        {
            risk += 0.4;
        }

        if (string.IsNullOrEmpty(signals.AcceptLanguage))
        {
            risk += 0.1;
        }

        if (telemetry is not { ValueKind: JsonValueKind.Object } t)
        {
            risk += 0.3;
        }
        else
        {
            if (t.TryGetProperty("webdriver", out JsonElement webdriver) && webdriver.ValueKind == JsonValueKind.True)
            {
                risk += 0.3;
            }

            if (t.TryGetProperty("elapsed_ms", out JsonElement elapsed) && elapsed.TryGetDouble(out double ms) && ms < 50)
            {
                risk += 0.1;
            }
        }

        return Math.Round(Math.Clamp(risk, 0, 1), 2);
    }
}

/// <summary>What the request that loads the challenge says about its client (taken from its headers by the endpoint).</summary>
internal sealed record RiskSignals(string? UserAgent, string? AcceptLanguage);
