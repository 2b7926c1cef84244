using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The iframe's scripts over real HTTP: linked with a content version and then cached for a year, revalidated with an
/// ETag without it, gzipped for browsers that accept it; the worker carries the vendored SHA-256 in the same response.
/// </summary>
public sealed class EngineAssetTests
{
    private static async Task<string[]> LinkedAssetsAsync(EngineApp app)
    {
        PageInit page = await app.OpenPageAsync("/Account/Login");
        string html = await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "login"))).Content.ReadAsStringAsync();
        return [.. Regex.Matches(html, "/crafy/challenge/assets/[a-z0-9-]+\\.js\\?v=[0-9a-f]{16}").Select(m => m.Value)];
    }

    [Fact]
    public async Task The_challenge_page_carries_its_scripts_inline_under_the_CSP_hash()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        HttpResponseMessage response = await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "login"));
        string html = await response.Content.ReadAsStringAsync();
        string served = await app.Client.GetStringAsync("/crafy/challenge/assets/challenge.js");
        string checkbox = await app.Client.GetStringAsync("/crafy/challenge/assets/checkbox.js");
        string worker = await app.Client.GetStringAsync("/crafy/challenge/assets/pow-worker.js");

        // challenge.js runs inline: byte for byte the served asset, allowed by its hash (and the checkbox rung's) and by
        // nothing broader.
        Assert.Contains("<script>" + served + "</script>", html, StringComparison.Ordinal);
        string csp = response.Headers.GetValues("Content-Security-Policy").Single();
        string[] directives = [.. csp.Split(';').Select(d => d.Trim())];
        Assert.Equal("script-src 'self' " + Hash(served) + " " + Hash(checkbox), directives.Single(d => d.StartsWith("script-src ", StringComparison.Ordinal)));

        // The invisible pass carries neither the checkbox's script nor its markup.
        Assert.False(EngineApp.ReadChallenge(html).NeedsCheckbox);
        Assert.DoesNotContain(checkbox, html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"check\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"status\" role=\"status\"", html, StringComparison.Ordinal);

        // The worker's text is not executed in the page (text/plain); it starts as a blob: worker.
        Assert.Contains("<script type=\"text/plain\" id=\"pow-worker\">" + worker + "</script>", html, StringComparison.Ordinal);
        Assert.Equal("worker-src 'self' blob:", directives.Single(d => d.StartsWith("worker-src ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_checkbox_rung_carries_the_checkbox_script_inline_before_challenge_js()
    {
        using var app = new EngineApp(settings: new Dictionary<string, string?> { ["CrafyChallengeServer:Risk:CheckboxThreshold"] = "0" });
        PageInit page = await app.OpenPageAsync("/Account/Login");
        string html = await (await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "login"))).Content.ReadAsStringAsync();
        string served = await app.Client.GetStringAsync("/crafy/challenge/assets/challenge.js");
        string checkbox = await app.Client.GetStringAsync("/crafy/challenge/assets/checkbox.js");

        Assert.True(EngineApp.ReadChallenge(html).NeedsCheckbox);
        Assert.Contains("<script>" + checkbox + "</script><script>" + served + "</script>", html, StringComparison.Ordinal);
        Assert.Contains("<button type=\"button\" id=\"check\" aria-describedby=\"status\">", html, StringComparison.Ordinal);
    }

    private static string Hash(string script) => "'sha256-" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(script))) + "'";

    [Fact]
    public async Task The_challenge_page_is_gzipped_for_a_browser_that_accepts_it()
    {
        using var app = new EngineApp();
        PageInit page = await app.OpenPageAsync("/Account/Login");
        HttpResponseMessage plain = await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "login"));
        HttpResponseMessage gzipped = await app.LoadChallengeAsync(page.PublicToken, await app.GetEoAsync(page, "login"), extraHeaders: [("Accept-Encoding", "gzip, deflate, br")]);

        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Equal("gzip", Assert.Single(gzipped.Content.Headers.ContentEncoding));
        Assert.Contains("Accept-Encoding", gzipped.Headers.Vary);
        byte[] body = await gzipped.Content.ReadAsByteArrayAsync();
        using var inflated = new MemoryStream();
        using (var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress))
        {
            await gzip.CopyToAsync(inflated);
        }

        string html = Encoding.UTF8.GetString(inflated.ToArray());
        Assert.Contains("id=\"pow-worker\"", html, StringComparison.Ordinal);
        Assert.True(body.Length < html.Length / 2, $"{body.Length} bytes gzipped of {html.Length}");
        Assert.Equal(EngineApp.ReadChallenge(await plain.Content.ReadAsStringAsync()).Pow["parts"]!.AsArray().Count, EngineApp.ReadChallenge(html).Pow["parts"]!.AsArray().Count);
    }

    [Fact]
    public async Task The_challenge_page_links_versioned_scripts_that_are_cached_for_a_year()
    {
        using var app = new EngineApp();
        string[] links = [.. await LinkedAssetsAsync(app), "/crafy/challenge/assets/challenge.js?v=" + await VersionOfAsync(app, "challenge.js")];
        Assert.Contains(links, l => l.Contains("/pow-worker.js?v=", StringComparison.Ordinal));

        foreach (string link in links)
        {
            HttpResponseMessage response = await app.Client.GetAsync(link);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal($"\"{link[^16..]}\"", response.Headers.ETag?.Tag);
        }
    }

    private static async Task<string> VersionOfAsync(EngineApp app, string name)
        => (await app.Client.GetAsync("/crafy/challenge/assets/" + name)).Headers.ETag!.Tag.Trim('"');

    [Fact]
    public async Task Without_the_current_version_a_script_is_revalidated_and_304_when_unchanged()
    {
        using var app = new EngineApp();
        foreach (string url in (string[])["/crafy/challenge/assets/challenge.js", "/crafy/challenge/assets/challenge.js?v=0000000000000000"])
        {
            HttpResponseMessage first = await app.Client.GetAsync(url);
            Assert.Equal("no-cache", first.Headers.CacheControl?.ToString());
            EntityTagHeaderValue etag = first.Headers.ETag!;

            using var again = new HttpRequestMessage(HttpMethod.Get, url);
            again.Headers.IfNoneMatch.Add(etag);
            HttpResponseMessage revalidated = await app.Client.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
            Assert.Empty(await revalidated.Content.ReadAsByteArrayAsync());

            using var stale = new HttpRequestMessage(HttpMethod.Get, url);
            stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"0123456789abcdef\""));
            Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(stale)).StatusCode);
        }
    }

    [Fact]
    public async Task A_browser_that_accepts_gzip_gets_the_same_script_gzipped()
    {
        using var app = new EngineApp();
        string worker = (await LinkedAssetsAsync(app)).Single(l => l.Contains("pow-worker.js", StringComparison.Ordinal));
        byte[] plain = await app.Client.GetByteArrayAsync(worker);

        using var request = new HttpRequestMessage(HttpMethod.Get, worker);
        request.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
        HttpResponseMessage gzipped = await app.Client.SendAsync(request);
        byte[] body = await gzipped.Content.ReadAsByteArrayAsync();
        Assert.Equal("gzip", Assert.Single(gzipped.Content.Headers.ContentEncoding));
        Assert.Contains("Accept-Encoding", gzipped.Headers.Vary);
        Assert.True(body.Length < plain.Length / 2, $"{body.Length} bytes gzipped of {plain.Length}");
        using var inflated = new MemoryStream();
        using (var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress))
        {
            await gzip.CopyToAsync(inflated);
        }

        Assert.Equal(plain, inflated.ToArray());

        using var refused = new HttpRequestMessage(HttpMethod.Get, worker);
        refused.Headers.AcceptEncoding.ParseAdd("gzip;q=0, br");
        Assert.Empty((await app.Client.SendAsync(refused)).Content.Headers.ContentEncoding);

        // One response: the vendored SHA-256 (with its licence line), then the worker that uses it.
        string text = Encoding.UTF8.GetString(plain);
        Assert.StartsWith("/*! fast-sha256 1.3.0", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("t.sha256=", StringComparison.Ordinal) < text.IndexOf("self.onmessage", StringComparison.Ordinal));
        // The vendored library is the npm package's sha256.min.js byte for byte (the SHA-256 its README records).
        string vendored = text[(text.IndexOf("*/\n", StringComparison.Ordinal) + 3)..text.IndexOf("\nfunction crafyHex", StringComparison.Ordinal)];
        Assert.Contains("SHA-256 `" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(vendored))) + "`", VendorReadme(), StringComparison.Ordinal);
        Assert.DoesNotContain("crypto.subtle", text, StringComparison.Ordinal);
        Assert.DoesNotContain("WebAssembly", text, StringComparison.Ordinal); // Argon2id's WebAssembly only in its own worker
    }

    [Fact]
    public async Task The_Argon2id_worker_is_the_SHA_256_worker_with_hash_wasm_4_13_0_between_byte_for_byte_with_its_licence()
    {
        using var app = new EngineApp(settings: new Dictionary<string, string?> { ["CrafyChallengeServer:Pow:Algorithm"] = "ARGON2ID" });
        string worker = (await LinkedAssetsAsync(app)).Single(l => l.Contains("pow-worker-argon2id.js", StringComparison.Ordinal));
        string text = Encoding.UTF8.GetString(await app.Client.GetByteArrayAsync(worker));
        string sha = Encoding.UTF8.GetString(await app.Client.GetByteArrayAsync(worker.Replace("pow-worker-argon2id.js", "pow-worker.js", StringComparison.Ordinal).Split('?')[0]));

        int start = text.IndexOf("/*!\n * hash-wasm (https://www.npmjs.com/package/hash-wasm)", StringComparison.Ordinal), end = text.IndexOf("\nfunction crafyHex", StringComparison.Ordinal);
        Assert.True(start > 0 && end > start, "hash-wasm with its licence comment, between fast-sha256 and the worker");
        Assert.Contains("@license MIT", text[start..end], StringComparison.Ordinal);
        Assert.Contains("SHA-256 `" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text[start..end]))) + "`", VendorReadme(), StringComparison.Ordinal);
        Assert.Equal(sha, text[..start] + text[(end + 1)..]);
    }

    private static string VendorReadme()
    {
        DirectoryInfo root = new(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "CrafyCaptcha.AspNetCore.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("the repository root was not found");
        }

        return File.ReadAllText(Path.Combine(root.FullName, "src/CrafyCaptcha.Server/Assets/vendor/README.md"));
    }

    [Theory]
    [InlineData("/crafy/challenge/assets/other.js")]
    [InlineData("/crafy/challenge/assets/vendor.fast-sha256.js")]
    [InlineData("/crafy/challenge/assets/..%2Fchallenge.js")]
    public async Task Only_the_engines_scripts_are_served(string url)
    {
        using var app = new EngineApp();
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync(url)).StatusCode);
    }
}
