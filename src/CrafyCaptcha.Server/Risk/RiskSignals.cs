using System.Net;
using Microsoft.AspNetCore.Http;

namespace CrafyCaptcha.Server.Risk;

/// <summary>What the request that loads the challenge says about its client, taken from it by the endpoint.</summary>
internal sealed record RiskSignals(
    IPAddress? RemoteAddress,
    string UserAgent,
    string AcceptLanguage,
    string ClientHints,
    string FetchDest,
    string FetchMode,
    bool SecureContext)
{
    /// <summary>Reads the signals of <paramref name="http"/> (the address as the forwarded-headers middleware left it).</summary>
    public static RiskSignals From(HttpContext http)
    {
        IHeaderDictionary headers = http.Request.Headers;
        IPAddress? remote = http.Connection.RemoteIpAddress;
        return new RiskSignals(
            remote,
            headers.UserAgent.ToString(),
            headers.AcceptLanguage.ToString(),
            headers["Sec-CH-UA"].ToString(),
            headers["Sec-Fetch-Dest"].ToString(),
            headers["Sec-Fetch-Mode"].ToString(),
            http.Request.IsHttps || (remote is not null && IPAddress.IsLoopback(remote)));
    }
}
