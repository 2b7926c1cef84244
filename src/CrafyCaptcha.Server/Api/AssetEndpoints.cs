using CrafyCaptcha.Server.Rendering;
using Microsoft.Net.Http.Headers;

namespace CrafyCaptcha.Server.Api;

/// <summary>
/// <c>GET {base}/challenge/assets/{name}</c>: the iframe's scripts (<see cref="EngineAssets"/>). Pages link them with
/// <c>?v=</c> and their content version (<see cref="EngineAssets.Url"/>): such a URL never changes content, so it is
/// cached for a year (<c>immutable</c>); without it (or with an old version) the answer must be revalidated
/// (<c>no-cache</c> with an ETag, 304 when unchanged). Sent gzipped (compressed once) to browsers that accept it.
/// </summary>
internal static class AssetEndpoints
{
    private const string ContentType = "text/javascript; charset=utf-8";

    public static IResult Asset(HttpContext http, string name)
    {
        if (EngineAssets.Find(name) is not { } asset)
        {
            return Results.NotFound();
        }

        HttpResponse response = http.Response;
        response.Headers.ETag = asset.ETag;
        response.Headers.CacheControl = http.Request.Query["v"] == asset.Version ? "public, max-age=31536000, immutable" : "no-cache";
        response.Headers.Vary = HeaderNames.AcceptEncoding;
        response.Headers.XContentTypeOptions = "nosniff";
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        if (EngineAssets.AcceptsGzip(http.Request))
        {
            response.Headers.ContentEncoding = "gzip";
            return Results.Bytes(asset.Gzip, ContentType);
        }

        return Results.Bytes(asset.Content, ContentType);
    }
}
