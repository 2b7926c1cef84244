using System.IO.Compression;
using System.Text;
using CrafyCaptcha.Server.Rendering;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The challenge page's gzip is spliced from pieces deflated apart (the fixed ones once): zlib, which checks the
/// trailer's CRC-32 and length, must inflate it to exactly the plain page, whatever the pieces hold.
/// </summary>
public sealed class GzipPageTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public void A_spliced_page_inflates_to_the_plain_page(int seed)
    {
        var random = new Random(seed);
        string Text(int length) => new([.. Enumerable.Range(0, length).Select(_ => "<>\"abcxyz é€😀 \n"[random.Next(16)])]);
        GzipPage.Piece[] pieces =
        [
            GzipPage.Piece.Own(Text(random.Next(0, 3000))),
            GzipPage.Piece.Fixed(Text(random.Next(1, 20_000))),
            GzipPage.Piece.Own(string.Empty),
            GzipPage.Piece.Own(Text(random.Next(1, 500))),
            GzipPage.Piece.Fixed(Text(random.Next(1, 70_000))), // more than deflate's 32 KB window
            GzipPage.Piece.Own(Text(random.Next(20_000, 70_000))), // a flow's piece larger than an instrumentation program
        ];

        byte[] plain = GzipPage.Plain(pieces);
        Assert.Equal(string.Concat(pieces.Select(p => Encoding.UTF8.GetString(p.Raw))), Encoding.UTF8.GetString(plain));
        Assert.Equal(plain, Inflate(GzipPage.Gzipped(pieces)));
    }

    [Fact]
    public void A_corrupted_trailer_is_caught_by_zlib_so_the_test_above_checks_the_crc()
    {
        GzipPage.Piece[] pieces = [GzipPage.Piece.Own("<p>flow</p>"), GzipPage.Piece.Fixed("<script>fixed</script>")];
        byte[] gzipped = GzipPage.Gzipped(pieces);
        gzipped[^6] ^= 0x01; // a bit of the CRC-32

        Assert.ThrowsAny<InvalidDataException>(() => Inflate(gzipped));
    }

    [Fact]
    public void The_fixed_pieces_are_compressed_and_the_page_is_a_single_gzip_member()
    {
        string script = string.Concat(Enumerable.Repeat("function f(a){return a+1}", 400));
        GzipPage.Piece[] pieces = [GzipPage.Piece.Own("<!DOCTYPE html><body data-flow=\"abc\">"), GzipPage.Piece.Fixed(script)];
        byte[] gzipped = GzipPage.Gzipped(pieces);

        Assert.True(gzipped.Length < script.Length / 10, $"{gzipped.Length} bytes for {script.Length}");
        Assert.Equal(new byte[] { 0x1f, 0x8b, 8 }, gzipped[..3]);
        Assert.Equal((uint)GzipPage.Plain(pieces).Length, BitConverter.ToUInt32(gzipped, gzipped.Length - 4));
    }

    [Theory]
    [InlineData("auto", "light dark")]
    [InlineData("dark", "dark")]
    [InlineData("light", "light")]
    [InlineData(null, "light")]
    public void The_challenge_pages_fixed_start_follows_the_theme_gzipped_or_not(string? theme, string scheme)
    {
        var model = new ChallengePageModel("https://shop.example", "/crafy/challenge", "flow-1", "{\"algorithm\":\"SHA-256\"}", false,
            new Protocol.SignedMessage("{}", "sig"), theme, null, null, null, null, ProgramScript: "var a=1;");
        string Page(bool gzip)
        {
            var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
            if (gzip)
            {
                http.Request.Headers.AcceptEncoding = "gzip";
            }

            var result = (Microsoft.AspNetCore.Http.HttpResults.FileContentHttpResult)ChallengePageRenderer.ChallengePage(http, model);
            Assert.Equal(gzip ? "gzip" : null, (string?)http.Response.Headers.ContentEncoding);
            return Encoding.UTF8.GetString(gzip ? Inflate(result.FileContents.ToArray()) : result.FileContents.ToArray());
        }

        string plain = Page(gzip: false);
        Assert.StartsWith($"<!DOCTYPE html>\n<html lang=\"en\" style=\"color-scheme:{scheme}\">", plain, StringComparison.Ordinal);
        Assert.Contains("data-flow-token=\"flow-1\"", plain, StringComparison.Ordinal);
        Assert.EndsWith("var a=1;</script></body></html>", plain, StringComparison.Ordinal);
        // Each response has a nonce of its own for the program: the rest is the same page.
        static string WithoutNonce(string page) => System.Text.RegularExpressions.Regex.Replace(page, "nonce=\"[^\"]+\"", "nonce");
        Assert.Equal(WithoutNonce(plain), WithoutNonce(Page(gzip: true)));
    }

    private static byte[] Inflate(byte[] gzipped)
    {
        using var inflated = new MemoryStream();
        using (var gzip = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress))
        {
            gzip.CopyTo(inflated);
        }

        return inflated.ToArray();
    }
}
