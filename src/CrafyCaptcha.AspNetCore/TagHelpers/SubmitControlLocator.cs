using System.Net;

namespace CrafyCaptcha.AspNetCore.TagHelpers;

/// <summary>
/// Finds where a form's widget goes: just before the form's first submit control (a <c>&lt;button&gt;</c> whose type is
/// not <c>button</c>/<c>reset</c>, an <c>&lt;input type=submit|image&gt;</c>), so a person meets the widget before the
/// button. A small tokenizer over the rendered form content, not a regular expression: it skips comments, attribute
/// values (quoted or not) and raw-text elements (<c>script</c>, <c>style</c>, <c>textarea</c>, <c>title</c>), so text
/// such as <c>"&lt;button"</c> there is not taken for a tag.
/// </summary>
internal static class SubmitControlLocator
{
    private static readonly HashSet<string> RawText = new(StringComparer.Ordinal) { "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes" };

    private static readonly HashSet<string> Void = new(StringComparer.Ordinal) { "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr" };

    // Elements that may hold only phrasing content: the widget (a <div>) may not go inside them, so it goes before the
    // outermost of them that encloses the submit control (e.g. <p><button>…</button></p>).
    private static readonly HashSet<string> PhrasingOnly = new(StringComparer.Ordinal) { "p", "span", "label", "a", "b", "i", "em", "strong", "small", "h1", "h2", "h3", "h4", "h5", "h6", "pre" };

    // Start tags that close an open <p> (HTML's implied end tag), so the element stack stays true for sloppy markup.
    private static readonly HashSet<string> ClosesParagraph = new(StringComparer.Ordinal)
    {
        "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul",
    };

    /// <summary>The index in <paramref name="html"/> to insert the widget at, or -1 when the content has no submit control.</summary>
    /// <param name="html">The form's rendered content.</param>
    /// <param name="formId">The form's id (controls with a <c>form</c> attribute naming another form are skipped).</param>
    public static int FindInsertionPoint(string html, string? formId)
    {
        ArgumentNullException.ThrowIfNull(html);
        var open = new List<(string Name, int Start)>();
        int i = 0;
        while (i < html.Length)
        {
            int lt = html.IndexOf('<', i);
            if (lt < 0 || lt + 1 >= html.Length)
            {
                return -1;
            }

            char next = html[lt + 1];
            if (string.CompareOrdinal(html, lt, "<!--", 0, 4) == 0)
            {
                int end = html.IndexOf("-->", lt + 4, StringComparison.Ordinal);
                i = end < 0 ? html.Length : end + 3;
                continue;
            }

            if (next is '!' or '?')
            {
                i = SkipPast(html, lt + 2, '>');
                continue;
            }

            if (next == '/')
            {
                int nameEnd = NameEnd(html, lt + 2);
                Close(open, html[(lt + 2)..nameEnd].ToLowerInvariant());
                i = SkipPast(html, nameEnd, '>');
                continue;
            }

            if (!char.IsAsciiLetter(next))
            {
                i = lt + 1; // a lone '<' in text
                continue;
            }

            int p = NameEnd(html, lt + 1);
            string name = html[(lt + 1)..p].ToLowerInvariant();
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            bool selfClosing = false;
            p = ReadAttributes(html, p, attributes, ref selfClosing);
            if (p < 0)
            {
                return -1; // a tag cut off by the end of the content is no tag (as in HTML)
            }

            if (ClosesParagraph.Contains(name))
            {
                Close(open, "p");
            }

            if (IsSubmitControl(name, attributes, formId) && !open.Exists(e => e.Name == "template"))
            {
                int at = lt;
                for (int k = open.Count - 1; k >= 0 && PhrasingOnly.Contains(open[k].Name); k--)
                {
                    at = open[k].Start;
                }

                return at;
            }

            if (RawText.Contains(name) && !selfClosing)
            {
                int end = html.IndexOf("</" + name, p, StringComparison.OrdinalIgnoreCase);
                i = end < 0 ? html.Length : end;
                continue;
            }

            if (!Void.Contains(name) && !selfClosing)
            {
                open.Add((name, lt));
            }

            i = p;
        }

        return -1;
    }

    private static bool IsSubmitControl(string name, Dictionary<string, string> attributes, string? formId)
    {
        if (attributes.TryGetValue("form", out string? owner) && !string.Equals(owner, formId, StringComparison.Ordinal))
        {
            return false; // associated with another form
        }

        string? type = attributes.TryGetValue("type", out string? t) ? t.Trim().ToLowerInvariant() : null;
        return name switch
        {
            // A button's missing or unknown type is "submit" (HTML's default state).
            "button" => type is not ("button" or "reset"),
            "input" => type is "submit" or "image",
            _ => false,
        };
    }

    // Reads a start tag's attributes; returns the index after its '>', or -1 when the content ends first.
    private static int ReadAttributes(string html, int p, Dictionary<string, string> attributes, ref bool selfClosing)
    {
        while (p < html.Length)
        {
            char c = html[p];
            if (char.IsWhiteSpace(c))
            {
                p++;
                continue;
            }

            if (c == '>')
            {
                return p + 1;
            }

            if (c == '/')
            {
                selfClosing = p + 1 < html.Length && html[p + 1] == '>';
                p++;
                continue;
            }

            selfClosing = false;
            int nameStart = p++; // the first character belongs to the name, even a '=' (as in HTML)
            while (p < html.Length && !char.IsWhiteSpace(html[p]) && html[p] is not ('/' or '>' or '='))
            {
                p++;
            }

            string attributeName = html[nameStart..p].ToLowerInvariant();
            while (p < html.Length && char.IsWhiteSpace(html[p]))
            {
                p++;
            }

            string value = string.Empty;
            if (p < html.Length && html[p] == '=')
            {
                p++;
                while (p < html.Length && char.IsWhiteSpace(html[p]))
                {
                    p++;
                }

                if (p < html.Length && html[p] is '"' or '\'')
                {
                    char quote = html[p];
                    int end = html.IndexOf(quote, p + 1);
                    end = end < 0 ? html.Length : end;
                    value = html[(p + 1)..end];
                    p = Math.Min(end + 1, html.Length);
                }
                else
                {
                    int start = p;
                    while (p < html.Length && !char.IsWhiteSpace(html[p]) && html[p] != '>')
                    {
                        p++;
                    }

                    value = html[start..p];
                }
            }

            attributes.TryAdd(attributeName, WebUtility.HtmlDecode(value)); // the first of duplicate attributes wins, as in HTML
        }

        return -1;
    }

    private static int NameEnd(string html, int p)
    {
        while (p < html.Length && !char.IsWhiteSpace(html[p]) && html[p] is not ('/' or '>'))
        {
            p++;
        }

        return p;
    }

    private static int SkipPast(string html, int p, char c)
    {
        int end = html.IndexOf(c, p);
        return end < 0 ? html.Length : end + 1;
    }

    private static void Close(List<(string Name, int Start)> open, string name)
    {
        int index = open.FindLastIndex(e => e.Name == name);
        if (index >= 0)
        {
            open.RemoveRange(index, open.Count - index);
        }
    }
}
