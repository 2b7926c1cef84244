using System.Text.Json;

namespace CrafyCaptcha.Server.Flows;

/// <summary>The widget's <c>cdweo</c> field: a bare <c>eo</c>, or <c>{"eo": …, "telemetry": {…}}</c>.</summary>
internal static class Cdweo
{
    public static (string? Eo, JsonElement? Telemetry) Read(string? cdweo)
    {
        if (string.IsNullOrEmpty(cdweo))
        {
            return (null, null);
        }

        if (!cdweo.TrimStart().StartsWith('{'))
        {
            return (cdweo.Trim(), null);
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(cdweo, new JsonDocumentOptions { MaxDepth = 16 });
            JsonElement root = document.RootElement;
            string? eo = root.TryGetProperty("eo", out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            JsonElement? telemetry = root.TryGetProperty("telemetry", out JsonElement t) ? t.Clone() : null;
            return (eo, telemetry);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}
