using System.Globalization;

namespace CrafyCaptcha.Protocol;

/// <summary>
/// Reads a token's <c>expires_at</c> text. Accepted: ISO-8601 calendar dates in extended format
/// (<c>2099-01-01</c>, <c>2099-01-01T00:00Z</c>, <c>2099-01-01 00:00:00.123+02:00</c>, <c>+0200</c>, <c>z</c>,
/// expanded years such as <c>+002099</c>, hour 24 at midnight, and day overflow rolled into the next month as
/// JavaScript does) and RFC 1123 (<c>Thu, 01 Jan 2099 00:00:00 GMT</c>). A value without an offset is read as UTC
/// (the official SDKs read it in the server's local zone, which differs between machines). Everything else
/// (<c>tomorrow</c>, <c>@4102444800</c>, bare digits, ISO basic format) is not a date.
/// </summary>
internal static class ExpiryParser
{
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length > 64)
        {
            return false;
        }

        if (text.Length > 0 && char.IsAsciiLetter(text[0]))
        {
            return DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value);
        }

        return TryParseIso(text, out value);
    }

    /// <summary>A JSON number is read as JavaScript's <c>new Date(number)</c>: milliseconds since the Unix epoch.</summary>
    public static bool TryFromUnixMilliseconds(double milliseconds, out DateTimeOffset value)
    {
        value = default;
        const double Min = -62135596800000d;
        const double Max = 253402300799999d;
        if (double.IsNaN(milliseconds) || milliseconds < Min || milliseconds > Max)
        {
            return false;
        }

        value = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Truncate(milliseconds));
        return true;
    }

    private static bool TryParseIso(ReadOnlySpan<char> s, out DateTimeOffset value)
    {
        value = default;
        int pos = 0;
        int year;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-'))
        {
            bool negative = s[0] == '-';
            pos = 1;
            if (!TryDigits(s, ref pos, 6, out year) || negative)
            {
                return false;
            }
        }
        else if (!TryDigits(s, ref pos, 4, out year))
        {
            return false;
        }

        if (!TryChar(s, ref pos, '-') || !TryDigits(s, ref pos, 2, out int month) || !TryChar(s, ref pos, '-') || !TryDigits(s, ref pos, 2, out int day))
        {
            return false;
        }

        int hour = 0, minute = 0, second = 0;
        long fractionTicks = 0;
        TimeSpan offset = TimeSpan.Zero;
        if (pos < s.Length)
        {
            if (s[pos] is not ('T' or 't' or ' '))
            {
                return false;
            }

            pos++;
            if (!TryDigits(s, ref pos, 2, out hour) || !TryChar(s, ref pos, ':') || !TryDigits(s, ref pos, 2, out minute))
            {
                return false;
            }

            if (pos < s.Length && s[pos] == ':')
            {
                pos++;
                if (!TryDigits(s, ref pos, 2, out second))
                {
                    return false;
                }

                if (pos < s.Length && (s[pos] == '.' || s[pos] == ','))
                {
                    pos++;
                    int start = pos;
                    long scale = TimeSpan.TicksPerSecond;
                    while (pos < s.Length && char.IsAsciiDigit(s[pos]))
                    {
                        scale /= 10;
                        fractionTicks += (s[pos] - '0') * scale;
                        pos++;
                    }

                    if (pos == start)
                    {
                        return false;
                    }
                }
            }

            if (pos < s.Length && !TryOffset(s, ref pos, out offset))
            {
                return false;
            }
        }

        if (pos != s.Length || year < 1 || year > 9999 || month is < 1 or > 12 || day is < 1 or > 31
            || minute > 59 || second > 59 || hour > 24 || (hour == 24 && (minute != 0 || second != 0 || fractionTicks != 0)))
        {
            return false;
        }

        try
        {
            DateTime utc = new DateTime(year, month, 1, 0, 0, 0, DateTimeKind.Utc)
                .AddDays(day - 1)
                .AddTicks((hour * TimeSpan.TicksPerHour) + (minute * TimeSpan.TicksPerMinute) + (second * TimeSpan.TicksPerSecond) + fractionTicks)
                .Subtract(offset);
            value = new DateTimeOffset(utc);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static bool TryOffset(ReadOnlySpan<char> s, ref int pos, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        char c = s[pos];
        if (c is 'Z' or 'z')
        {
            pos++;
            return true;
        }

        if (c is not ('+' or '-'))
        {
            return false;
        }

        pos++;
        if (!TryDigits(s, ref pos, 2, out int hours))
        {
            return false;
        }

        int minutes = 0;
        if (pos < s.Length)
        {
            if (s[pos] == ':')
            {
                pos++;
            }

            if (!TryDigits(s, ref pos, 2, out minutes))
            {
                return false;
            }
        }

        if (hours > 23 || minutes > 59)
        {
            return false;
        }

        offset = new TimeSpan(hours, minutes, 0);
        if (c == '-')
        {
            offset = -offset;
        }

        return true;
    }

    private static bool TryChar(ReadOnlySpan<char> s, ref int pos, char expected)
    {
        if (pos < s.Length && s[pos] == expected)
        {
            pos++;
            return true;
        }

        return false;
    }

    private static bool TryDigits(ReadOnlySpan<char> s, ref int pos, int count, out int value)
    {
        value = 0;
        if (pos + count > s.Length)
        {
            return false;
        }

        for (int i = 0; i < count; i++)
        {
            char c = s[pos + i];
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        pos += count;
        return true;
    }
}
