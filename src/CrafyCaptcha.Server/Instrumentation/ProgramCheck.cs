using System.Text.Json;
using CrafyCaptcha.Server.Risk;

namespace CrafyCaptcha.Server.Instrumentation;

/// <summary>
/// Checks the <c>program</c> field of an answer, <c>{"v": [uint…], "l": [number…], "f": {…}, "c": number}</c>, against
/// the flow's <see cref="ProgramExpectation"/>: every integer exactly, every layout read within 2 px plus 1 % (page zoom
/// moves them by a fraction of a pixel), the facts present. Under a text-only zoom (<c>t</c>, a 100px probe's computed
/// font size, is not 100) the reads a font size enters are left aside, a fact (<c>text_scaled</c>). The canvas hash is a
/// fact: a wrong one (privacy tools add noise to canvas reads) or none (no 2D context) adds a reason, never refuses.
/// </summary>
internal static class ProgramCheck
{
    private const int MaxFacts = 32;

    /// <summary>Whether <paramref name="result"/> is what the program computes; its browser facts' reasons into <paramref name="reasons"/>.</summary>
    public static bool Matches(ProgramExpectation expected, JsonElement? result, ICollection<string> reasons)
    {
        if (result is not { ValueKind: JsonValueKind.Object } r
            || !r.TryGetProperty("v", out JsonElement v) || v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != expected.Values.Length
            || !r.TryGetProperty("l", out JsonElement l) || l.ValueKind != JsonValueKind.Array || l.GetArrayLength() != expected.Layout.Length
            || !r.TryGetProperty("f", out JsonElement f) || f.ValueKind != JsonValueKind.Object
            || !r.TryGetProperty("c", out JsonElement c) || c.ValueKind != JsonValueKind.Number || !c.TryGetDouble(out double canvas)
            || !r.TryGetProperty("t", out JsonElement t) || t.ValueKind != JsonValueKind.Number || !t.TryGetDouble(out double textScale))
        {
            return false;
        }

        int i = 0;
        foreach (JsonElement value in v.EnumerateArray())
        {
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetUInt32(out uint got) || got != expected.Values[i++])
            {
                return false;
            }
        }

        // A text-only zoom (the 100px probe reads otherwise) scales every font size: the reads a font size enters are
        // then not predictable, and are left aside (a fact, text_scaled); every other read is still checked.
        bool textScaled = Math.Abs(textScale - 100) > 0.5;
        int[] fontDependent = expected.FontDependent ?? [];
        i = 0;
        foreach (JsonElement value in l.EnumerateArray())
        {
            int index = i;
            int want = expected.Layout[i++];
            if (textScaled && Array.IndexOf(fontDependent, index) >= 0)
            {
                continue;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double got) || Math.Abs(got - want) > 2 + (0.01 * Math.Abs(want)))
            {
                return false;
            }
        }

        int facts = 0;
        foreach (JsonProperty _ in f.EnumerateObject())
        {
            if (++facts > MaxFacts)
            {
                return false;
            }
        }

        BrowserFacts.Judge(f, reasons);
        if (textScaled)
        {
            reasons.Add(RiskReasons.TextScaled);
        }

        if (canvas < 0)
        {
            reasons.Add(RiskReasons.CanvasMissing);
        }
        else if (canvas != expected.Canvas)
        {
            reasons.Add(RiskReasons.CanvasUnexpected);
        }

        return true;
    }
}

/// <summary>
/// Judges the facts the program gathered inside the engine's iframe (the server decides; the client's verdict is never
/// asked): announced automation (<c>navigator.webdriver</c> true, <c>HeadlessChrome</c> in <c>navigator.userAgent</c>),
/// a deleted <c>navigator.webdriver</c>, a window larger than the screen (or without size), patched native functions,
/// no plugins, no languages. The last three are also what privacy tools produce: low weights, never a step up alone.
/// </summary>
internal static class BrowserFacts
{
    public static void Judge(JsonElement facts, ICollection<string> reasons)
    {
        int webdriver = Int(facts, "wd");
        if (webdriver == 1 || Int(facts, "ua") == 1)
        {
            reasons.Add(RiskReasons.AutomationAnnounced);
        }

        if (webdriver == 2)
        {
            reasons.Add(RiskReasons.WebdriverHidden);
        }

        int screenWidth = Int(facts, "sw"), screenHeight = Int(facts, "sh"), outerWidth = Int(facts, "ow"), outerHeight = Int(facts, "oh");
        if (outerWidth <= 0 || outerHeight <= 0 || (screenWidth > 0 && screenHeight > 0 && (outerWidth > screenWidth + 32 || outerHeight > screenHeight + 32)))
        {
            reasons.Add(RiskReasons.WindowImplausible);
        }

        if (Int(facts, "nt") > 0)
        {
            reasons.Add(RiskReasons.NativeCodePatched);
        }

        if (Int(facts, "pl") == 0 && Int(facts, "mt") == 0)
        {
            reasons.Add(RiskReasons.NoPlugins);
        }

        if (Int(facts, "lg") == 0)
        {
            reasons.Add(RiskReasons.NoLanguages);
        }
    }

    private static int Int(JsonElement facts, string name)
        => facts.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int value) ? value : -1;
}
