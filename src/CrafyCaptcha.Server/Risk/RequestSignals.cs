using System.Text.Json;
using System.Text.RegularExpressions;

namespace CrafyCaptcha.Server.Risk;

/// <summary>
/// What one challenge request shows about its client, judged by the server: the User-Agent, the client hints, the
/// fetch metadata of an iframe navigation, Accept-Language, and the client's own telemetry (which can only add reasons:
/// it never lowers what the server observed).
/// </summary>
internal static partial class RequestSignals
{
    private static readonly string[] AutomationTokens =
    [
        "HeadlessChrome", "PhantomJS", "Electron/", "Puppeteer", "Playwright", "Selenium", "webdriver",
        "curl/", "Wget/", "python-requests", "python-urllib", "aiohttp", "httpx", "Go-http-client", "node-fetch", "axios/",
        "undici", "okhttp", "Java/", "Apache-HttpClient", "libwww-perl", "Scrapy", "HttpClient", "PostmanRuntime", "insomnia",
    ];

    /// <summary>Adds the reasons the request's headers and telemetry give, each at full strength.</summary>
    public static void Collect(RiskSignals request, JsonElement? telemetry, ICollection<string> reasons)
    {
        string userAgent = request.UserAgent;
        if (userAgent.Length == 0)
        {
            reasons.Add(RiskReasons.NoUserAgent);
        }
        else if (AutomationTokens.Any(t => userAgent.Contains(t, StringComparison.OrdinalIgnoreCase)))
        {
            reasons.Add(RiskReasons.AutomationUserAgent);
        }

        if (request.AcceptLanguage.Length == 0)
        {
            reasons.Add(RiskReasons.NoAcceptLanguage);
        }

        if (ClientHintsDisagree(userAgent, request.ClientHints))
        {
            reasons.Add(RiskReasons.HeaderMismatch);
        }

        if (FetchMetadataImplausible(request, userAgent))
        {
            reasons.Add(RiskReasons.FetchMetadata);
        }

        if (telemetry is not { ValueKind: JsonValueKind.Object } t)
        {
            reasons.Add(RiskReasons.TelemetryMissing);
        }
        else if (t.TryGetProperty("webdriver", out JsonElement webdriver) && webdriver.ValueKind == JsonValueKind.True)
        {
            reasons.Add(RiskReasons.Webdriver);
        }
    }

    /// <summary>
    /// <c>Sec-CH-UA</c> names Chromium brands with major versions; a User-Agent that is not Chromium-based, or whose
    /// <c>Chrome/NNN</c> major differs from the hint's, did not come from that browser.
    /// </summary>
    internal static bool ClientHintsDisagree(string userAgent, string clientHints)
    {
        if (clientHints.Length == 0)
        {
            return false; // sent only by Chromium, and only to secure contexts
        }

        Match chrome = ChromeVersion().Match(userAgent);
        if (!chrome.Success)
        {
            return true; // client hints from something that does not call itself Chromium-based
        }

        Match hinted = HintedChromiumVersion().Match(clientHints);
        return hinted.Success && hinted.Groups[1].Value != chrome.Groups[1].Value;
    }

    /// <summary>
    /// The challenge page is loaded by the widget's hidden form, posted into an iframe: a browser that sends fetch
    /// metadata says <c>Sec-Fetch-Dest: iframe</c> and <c>Sec-Fetch-Mode: navigate</c>. Current browsers send it to
    /// secure contexts (HTTPS and loopback), so its absence there from a browser-like User-Agent is a signal too.
    /// </summary>
    internal static bool FetchMetadataImplausible(RiskSignals request, string userAgent)
    {
        if (request.FetchDest.Length > 0 || request.FetchMode.Length > 0)
        {
            return !(request.FetchDest == "iframe" && request.FetchMode == "navigate");
        }

        return request.SecureContext && ModernBrowser().IsMatch(userAgent);
    }

    [GeneratedRegex(@"(?:Chrome|Chromium|CriOS|HeadlessChrome)/(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex ChromeVersion();

    [GeneratedRegex(@"""(?:Chromium|Google Chrome|Microsoft Edge)"";\s*v=""(\d+)""", RegexOptions.CultureInvariant)]
    private static partial Regex HintedChromiumVersion();

    [GeneratedRegex(@"(?:Chrome|Chromium)/(?:[8-9]\d|\d{3,})\.|Firefox/(?:9\d|\d{3,})\.|Version/1[7-9]\.[\d.]+ (?:Mobile/\S+ )?Safari/", RegexOptions.CultureInvariant)]
    private static partial Regex ModernBrowser();
}
