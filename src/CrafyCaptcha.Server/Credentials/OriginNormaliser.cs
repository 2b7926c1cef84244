using System.Globalization;

namespace CrafyCaptcha.Server.Credentials;

/// <summary>
/// Reads an origin (<c>parent_origin</c>, the <c>Origin</c> header) into its canonical ASCII form
/// <c>scheme://host[:port]</c>: an international domain name becomes punycode (<c>http://bücher.de</c> →
/// <c>http://xn--bcher-kva.de</c>, as browsers send it in <c>Origin</c>), so the result can go into a header.
/// </summary>
internal static class OriginNormaliser
{
    /// <summary>The canonical origin, or <see langword="null"/> when <paramref name="value"/> is not a bare http(s) origin.</summary>
    public static string? Normalise(string? value)
    {
        if (string.IsNullOrEmpty(value) || !Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https")
            || (uri.AbsolutePath != "/" && uri.AbsolutePath.Length > 0) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment)
            || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return null;
        }

        string? host = uri.HostNameType == UriHostNameType.Dns ? AsciiHost(uri.Host) : uri.Host;
        if (host is null || !IsHeaderSafe(host))
        {
            return null;
        }

        return uri.IsDefaultPort
            ? $"{uri.Scheme}://{host}"
            : string.Create(CultureInfo.InvariantCulture, $"{uri.Scheme}://{host}:{uri.Port}");
    }

    /// <summary>
    /// A host name in lowercase punycode (<c>Bücher.de</c> → <c>xn--bcher-kva.de</c>), or <see langword="null"/> when it
    /// is not a valid domain name. Used for embedding origins and for the credentials' domains alike.
    /// </summary>
    public static string? AsciiHost(string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            return null;
        }

        try
        {
            return new IdnMapping().GetAscii(host.Trim().TrimEnd('.')).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="value"/> can be written into a response header as is: visible ASCII, no <c>;</c> or <c>,</c>.</summary>
    public static bool IsHeaderSafe(string value)
    {
        foreach (char c in value)
        {
            if (c is <= ' ' or > '~' or ';' or ',' or '"' or '\'')
            {
                return false;
            }
        }

        return value.Length > 0;
    }
}
