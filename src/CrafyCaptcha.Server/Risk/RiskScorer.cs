using System.Text.Json;

namespace CrafyCaptcha.Server.Risk;

/// <summary>
/// A first risk score from what one request shows (0.0 safe to 1.0 bot-like): the client telemetry sent in
/// <c>cdweo</c> (automation flag, timing) and header consistency. IP reputation, velocity and puzzles come later.
/// </summary>
internal static class RiskScorer
{
    public static double Score(HttpRequest request, JsonElement? telemetry)
    {
        double risk = 0.05;
        string userAgent = request.Headers.UserAgent.ToString();
        if (string.IsNullOrEmpty(userAgent))
        {
            risk += 0.4;
        }

        if (string.IsNullOrEmpty(request.Headers.AcceptLanguage.ToString()))
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
