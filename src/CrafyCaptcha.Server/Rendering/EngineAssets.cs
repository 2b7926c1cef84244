using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;

namespace CrafyCaptcha.Server.Rendering;

/// <summary>
/// The iframe's scripts, embedded in this assembly and read once, each with its content version (the first 16 hex
/// digits of its SHA-256) and its gzipped bytes: the challenge page inlines some and links the others with
/// <see cref="Url"/>; <c>Api/AssetEndpoints</c> serves them. <c>pow-worker.js</c> is one asset made of the vendored
/// SHA-256 (<c>vendor/fast-sha256.js</c>) and the worker's own code; <c>pow-worker-argon2id.js</c> is the same with
/// hash-wasm's Argon2id (<c>vendor/hash-wasm-argon2.umd.min.js</c>, WebAssembly) between them, for
/// <c>Pow:Algorithm</c> = <c>ARGON2ID</c> (it solves SHA-256 challenges too: the puzzles' accessible path).
/// </summary>
internal static class EngineAssets
{
    /// <summary>The worker with Argon2id (hash-wasm) as well as SHA-256.</summary>
    public const string Argon2idWorker = "pow-worker-argon2id.js";

    private static readonly FrozenDictionary<string, EngineAsset> Assets = Load();

    /// <summary>The versioned, cacheable URL of <paramref name="name"/> under <paramref name="basePath"/> (<c>{base}/challenge</c>).</summary>
    public static string Url(string basePath, string name) => $"{basePath}/assets/{name}?v={Assets[name].Version}";

    /// <summary>The text of <paramref name="name"/> as served (the challenge page inlines <c>challenge.js</c> and the worker).</summary>
    public static string Text(string name) => Assets[name].Text;

    /// <summary>The asset <paramref name="name"/>, or <see langword="null"/> when there is none.</summary>
    public static EngineAsset? Find(string name) => Assets.GetValueOrDefault(name);

    /// <summary><paramref name="content"/> gzipped (the assets, and the challenge page).</summary>
    public static byte[] Gzipped(ReadOnlySpan<byte> content, CompressionLevel level)
    {
        using var compressed = new MemoryStream(content.Length / 3);
        using (var gzip = new GZipStream(compressed, level, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return compressed.ToArray();
    }

    /// <summary>Whether the request accepts a gzipped answer (the assets, and the challenge page).</summary>
    public static bool AcceptsGzip(HttpRequest request)
        => request.GetTypedHeaders().AcceptEncoding.Any(c => c.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && c.Quality is not 0);

    private static FrozenDictionary<string, EngineAsset> Load()
    {
        var assets = new Dictionary<string, EngineAsset>(StringComparer.Ordinal);
        foreach (string name in (string[])["challenge.js", "checkbox.js", "puzzle.js", "refusal.js"])
        {
            assets[name] = new EngineAsset(Read(name));
        }

        byte[] hash = Read("vendor.fast-sha256.js"), worker = Read("pow-worker.js");
        assets["pow-worker.js"] = new EngineAsset([.. hash, (byte)'\n', .. worker]);
        byte[] argon2 = Read("vendor.hash-wasm-argon2.umd.min.js");
        assets[Argon2idWorker] = new EngineAsset([.. hash, (byte)'\n', .. argon2, (byte)'\n', .. worker]);
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

    internal sealed class EngineAsset
    {
        public EngineAsset(byte[] content)
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
