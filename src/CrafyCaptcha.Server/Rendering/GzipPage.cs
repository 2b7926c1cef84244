using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace CrafyCaptcha.Server.Rendering;

/// <summary>
/// A page made of fixed pieces (CSS, the inline scripts: ~90 % of the challenge page) and a flow's own pieces, gzipped
/// without compressing the fixed pieces again for every flow. Each fixed piece is deflated once, at start-up, by
/// <see cref="DeflateStream"/> at its smallest size and ended with a sync flush (an empty stored block: the piece ends
/// on a byte boundary and refers to nothing before it); a flow's pieces are deflated the same way, at the fastest level,
/// when the page is written. The pieces' deflate blocks follow one another in one gzip member (RFC 1951 allows any
/// sequence of non-final blocks; a back-reference only reaches into its own piece), closed by an empty final block and
/// the gzip trailer (CRC-32 of the whole page, <see cref="Crc32"/>, and its length). Deflating the whole ~13 KB page
/// per flow at the optimal level cost ~0.3–0.5 ms of CPU here; this costs the flow's own pieces (~2 KB, and its ~10–12 KB
/// instrumentation program) at the fastest level and one CRC-32.
/// </summary>
internal static class GzipPage
{
    // RFC 1952: magic, deflate, no flags, no modification time, no extra flags, unknown OS.
    private static readonly byte[] Header = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

    // An empty final block with fixed Huffman codes (BFINAL 1, BTYPE 01, end-of-block): what zlib's Z_FINISH writes after a flush.
    private static readonly byte[] FinalBlock = [0x03, 0x00];

    /// <summary>A piece of a page: its UTF-8 bytes and, for a fixed piece, its deflate blocks (made once).</summary>
    internal sealed class Piece
    {
        private Piece(byte[] raw, byte[]? deflated)
        {
            Raw = raw;
            Deflated = deflated;
        }

        public byte[] Raw { get; }

        public byte[]? Deflated { get; }

        /// <summary>A piece every page carries as it is: deflated now, once, at the smallest size.</summary>
        public static Piece Fixed(string text)
        {
            byte[] raw = Encoding.UTF8.GetBytes(text);
            return new Piece(raw, Deflate(raw, CompressionLevel.SmallestSize));
        }

        /// <summary>A flow's own piece: deflated when the page is written, if it is gzipped.</summary>
        public static Piece Own(string text) => new(Encoding.UTF8.GetBytes(text), null);
    }

    /// <summary>The page's bytes as they are (for a client that does not accept gzip).</summary>
    public static byte[] Plain(IReadOnlyList<Piece> pieces)
    {
        byte[] page = new byte[pieces.Sum(p => p.Raw.Length)];
        int at = 0;
        foreach (Piece piece in pieces)
        {
            piece.Raw.CopyTo(page, at);
            at += piece.Raw.Length;
        }

        return page;
    }

    /// <summary>The page as one gzip member.</summary>
    public static byte[] Gzipped(IReadOnlyList<Piece> pieces)
    {
        // Sized once for the worst case (a flow's piece stored: 5 bytes a 64 KB block, and the flush), so it never grows.
        int most = Header.Length + FinalBlock.Length + 8;
        foreach (Piece piece in pieces)
        {
            most += piece.Deflated?.Length ?? piece.Raw.Length + (piece.Raw.Length / 16_000 * 5) + 16;
        }

        var crc = new Crc32();
        long length = 0;
        using var page = new MemoryStream(most);
        page.Write(Header);
        foreach (Piece piece in pieces)
        {
            crc.Append(piece.Raw);
            length += piece.Raw.Length;
            if (piece.Deflated is { } deflated)
            {
                page.Write(deflated);
            }
            else
            {
                Deflate(piece.Raw, CompressionLevel.Fastest, page);
            }
        }

        page.Write(FinalBlock);
        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc.GetCurrentHashAsUInt32());
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], unchecked((uint)length));
        page.Write(trailer);
        return page.ToArray();
    }

    private static byte[] Deflate(byte[] raw, CompressionLevel level)
    {
        using var blocks = new MemoryStream(raw.Length / 2 + 64);
        Deflate(raw, level, blocks);
        return blocks.ToArray();
    }

    /// <summary>
    /// Appends <paramref name="raw"/>'s deflate blocks to <paramref name="output"/> up to a sync flush
    /// (<see cref="DeflateStream.Flush()"/>), without the final block that disposing the stream adds: they end with the
    /// empty stored block <c>00 00 FF FF</c>. Nothing for an empty piece.
    /// </summary>
    private static void Deflate(byte[] raw, CompressionLevel level, MemoryStream output)
    {
        if (raw.Length == 0)
        {
            return;
        }

        long start = output.Length, flushed;
        using (var deflate = new DeflateStream(output, level, leaveOpen: true))
        {
            deflate.Write(raw);
            deflate.Flush();
            flushed = output.Length;
            if (!output.GetBuffer().AsSpan((int)start, (int)(flushed - start)).EndsWith((ReadOnlySpan<byte>)[0, 0, 0xff, 0xff]))
            {
                throw new InvalidOperationException("DeflateStream.Flush did not end its blocks with a sync flush.");
            }
        }

        // Disposing the stream wrote a final block after the flush: cut it off (the page's own final block ends the page).
        output.SetLength(flushed);
    }
}
