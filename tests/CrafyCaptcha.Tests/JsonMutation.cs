namespace CrafyCaptcha.Tests;

/// <summary>One edit of a JSON text for the fast-path differential tests: insert, replace or delete a byte, or cut the text short.</summary>
internal static class JsonMutation
{
    /// <summary>
    /// <paramref name="mutation"/> 0–1 inserts, 2–3 replaces (even: a byte of <paramref name="interesting"/>, odd:
    /// <paramref name="inserted"/> itself), 4 deletes, 5 truncates at <paramref name="position"/>; anything else keeps the text.
    /// </summary>
    public static byte[] Mutate(byte[] json, int mutation, int position, byte inserted, ReadOnlySpan<byte> interesting)
    {
        int at = json.Length == 0 ? 0 : position % json.Length;
        byte b = mutation % 2 == 0 ? interesting[inserted % interesting.Length] : inserted;
        return mutation switch
        {
            0 or 1 => [.. json[..at], b, .. json[at..]],
            2 or 3 when json.Length > 0 => [.. json[..at], b, .. json[(at + 1)..]],
            4 when json.Length > 0 => [.. json[..at], .. json[(at + 1)..]],
            5 => json[..at],
            _ => json,
        };
    }
}
