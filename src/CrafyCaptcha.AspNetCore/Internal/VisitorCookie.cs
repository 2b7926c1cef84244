using System.Buffers.Text;
using System.Security.Cryptography;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// The browser's identity that a policy's flows are bound to (<see cref="CrafyFlowPolicy.BindToVisitor"/>): a random
/// 128-bit value in a cookie of the integration's own (HttpOnly, SameSite=Lax, Secure over HTTPS, essential, for the
/// browser session), set when the browser first gets a flow. It does not depend on the address, so a phone that
/// changes networks mid-form keeps it. Antiforgery's cookie is not used: its value is a serialized token whose format
/// is antiforgery's own business, and endpoints without antiforgery need the binding too.
/// </summary>
internal static class VisitorCookie
{
    /// <summary>The cookie's name.</summary>
    public const string Name = "CrafyCAPTCHA.Visitor";

    private const int ValueLength = 22; // 16 bytes, base64url without padding
    private static readonly object ItemKey = new();

    /// <summary>The visitor of this request: its cookie, or the one this request has just set; <see langword="null"/> without either.</summary>
    public static string? Read(HttpContext? httpContext)
    {
        if (httpContext is null)
        {
            return null;
        }

        if (httpContext.Items.TryGetValue(ItemKey, out object? set) && set is string value)
        {
            return value;
        }

        return httpContext.Request.Cookies.TryGetValue(Name, out string? cookie) && IsWellFormed(cookie) ? cookie : null;
    }

    /// <summary>
    /// The visitor of this request, setting the cookie when the browser has none yet; <see langword="null"/> when it has
    /// none and the response has started (no cookie can be set any more).
    /// </summary>
    public static string? GetOrCreate(HttpContext httpContext)
    {
        if (Read(httpContext) is { } existing)
        {
            return existing;
        }

        if (httpContext.Response.HasStarted)
        {
            return null;
        }

        string value = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        httpContext.Response.Cookies.Append(Name, value, new CookieOptions
        {
            HttpOnly = true,
            Secure = httpContext.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            Path = "/",
            IsEssential = true,
        });
        httpContext.Items[ItemKey] = value;
        return value;
    }

    private static bool IsWellFormed(string value)
    {
        if (value.Length != ValueLength)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
