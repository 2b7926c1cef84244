namespace CrafyCaptcha.Server.Api;

/// <summary>Reads an origin (<c>parent_origin</c>, the <c>Origin</c> header) into its canonical <c>scheme://host[:port]</c> form.</summary>
internal static class OriginNormaliser
{
    /// <summary>The canonical origin, or <see langword="null"/> when <paramref name="value"/> is not a bare http(s) origin.</summary>
    public static string? Normalise(string? value)
    {
        if (string.IsNullOrEmpty(value) || !Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https")
            || (uri.AbsolutePath != "/" && uri.AbsolutePath.Length > 0) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return null;
        }

        return uri.GetLeftPart(UriPartial.Authority);
    }
}
