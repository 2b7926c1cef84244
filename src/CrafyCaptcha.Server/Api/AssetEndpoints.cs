using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace CrafyCaptcha.Server.Api;

/// <summary>
/// <c>GET {base}/challenge/assets/{name}</c>: the iframe's scripts, embedded in this assembly and read once. Pages link
/// them with <c>?v=</c> and the first 16 hex digits of their SHA-256 (<see cref="Url"/>): such a URL never changes
/// content, so it is cached for a year (<c>immutable</c>); without it (or with an old version) the answer must be
/// revalidated (<c>no-cache</c> with an ETag, 304 when unchanged). Sent gzipped (compressed once) to browsers that
/// accept it. <c>pow-worker.js</c> is one response made of the vendored SHA-256 (<c>vendor/fast-sha256.js</c>) and the
/// worker's own code.
/// </summary>
internal static class AssetEndpoints
{
    private const string ContentType = "text/javascript; charset=utf-8";
    private static readonly FrozenDictionary<string, EmbeddedAsset> Assets = Load();

    /// <summary>The versioned, cacheable URL of <paramref name="name"/> under <paramref name="basePath"/> (<c>{base}/challenge</c>).</summary>
    public static string Url(string basePath, string name) => $"{basePath}/assets/{name}?v={Assets[name].Version}";

    /// <summary>The text of <paramref name="name"/> as served (the challenge page inlines <c>challenge.js</c> and the worker).</summary>
    public static string Text(string name) => Assets[name].Text;

    public static IResult Asset(HttpContext http, string name)
    {
        if (!Assets.TryGetValue(name, out EmbeddedAsset? asset))
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

        if (AcceptsGzip(http.Request))
        {
            response.Headers.ContentEncoding = "gzip";
            return Results.Bytes(asset.Gzip, ContentType);
        }

        return Results.Bytes(asset.Content, ContentType);
    }

    /// <summary><paramref name="content"/> gzipped (shared with the challenge page).</summary>
    internal static byte[] Gzipped(ReadOnlySpan<byte> content, CompressionLevel level)
    {
        using var compressed = new MemoryStream(content.Length / 3);
        using (var gzip = new GZipStream(compressed, level, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return compressed.ToArray();
    }

    /// <summary>Whether the request accepts a gzipped answer (shared with the challenge page).</summary>
    internal static bool AcceptsGzip(HttpRequest request)
        => request.GetTypedHeaders().AcceptEncoding.Any(c => c.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && c.Quality is not 0);

    private static FrozenDictionary<string, EmbeddedAsset> Load()
    {
        var assets = new Dictionary<string, EmbeddedAsset>(StringComparer.Ordinal);
        foreach (string name in (string[])["challenge.js", "checkbox.js", "puzzle.js", "refusal.js"])
        {
            assets[name] = new EmbeddedAsset(Read(name));
        }

        byte[] hash = Read("vendor.fast-sha256.js"), worker = Read("pow-worker.js");
        assets["pow-worker.js"] = new EmbeddedAsset([.. hash, (byte)'\n', .. worker]);
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("CrafyCaptcha.Server.Assets." + name)
            ?? throw new InvalidOperationException($"The engine's asset {name} is not embedded in its assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private sealed class EmbeddedAsset
    {
        public EmbeddedAsset(byte[] content)
        {
            Content = content;
            Text = System.Text.Encoding.UTF8.GetString(content);
            Version = Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 8));
            ETag = $"\"{Version}\"";
            Gzip = Gzipped(content, CompressionLevel.SmallestSize);
        }

        public byte[] Content { get; }

        public string Text { get; }

        public byte[] Gzip { get; }

        public string Version { get; }

        public string ETag { get; }
    }
}
