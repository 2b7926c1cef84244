namespace CrafyCaptcha.Server.Instrumentation;

/// <summary>
/// The program's DOM stages, whose results the specifications fix exactly (no layout): a tree built, walked, counted and
/// serialised; an event dispatched through listeners in capture, target and bubble order with propagation stopped and
/// default prevented; and mutations seen by a <c>MutationObserver</c> through <c>takeRecords</c> and its microtask.
/// </summary>
internal static class DomStages
{
    private static readonly string[] Tags = ["div", "span", "p", "b", "i", "em", "section", "ul", "li", "small"];

    /// <summary>Builds a detached tree of 2-5 elements (some with a child), walks it, counts a tag and serialises it.</summary>
    public static void Tree(ProgramWriter w)
    {
        ProgramDraws r = w.Draws;
        string root = w.Names.Next(), c = w.Names.Next(), g = w.Names.Next(), n = w.Names.Next();
        int children = r.Between(2, 5);
        int multiplier = (int)r.Next() | 1, tagWeight = r.Between(3, 97);
        w.Append("var ").Append(root).Append('=').Append(w.Document).Append(".createElement(\"div\"),").Append(c).Append(',').Append(g).Append(';');
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        int htmlLength = 0;
        var walk = new List<(int Key, int TagLength, int TextLength)>(children);
        for (int i = 0; i < children; i++)
        {
            string tag = r.Pick(Tags);
            int key = r.Between(0, 99_999);
            string word = w.Word();
            w.Append(c).Append('=').Append(w.Document).Append(".createElement(\"").Append(tag).Append("\");")
                .Append(c).Append(".setAttribute(\"data-k\",\"").Append(key).Append("\");")
                .Append(c).Append(".textContent=\"").Append(word).Append("\";");
            counts[tag] = counts.GetValueOrDefault(tag) + 1;
            int textLength = word.Length;
            htmlLength += 1 + tag.Length + " data-k=\"".Length + ProgramWriter.I(key).Length + 2 + word.Length + 3 + tag.Length;
            if (r.Coin())
            {
                string inner = r.Pick(Tags), innerWord = w.Word();
                w.Append(g).Append('=').Append(w.Document).Append(".createElement(\"").Append(inner).Append("\");")
                    .Append(g).Append(".textContent=\"").Append(innerWord).Append("\";")
                    .Append(c).Append(".appendChild(").Append(g).Append(");");
                counts[inner] = counts.GetValueOrDefault(inner) + 1;
                textLength += innerWord.Length;
                htmlLength += 2 + inner.Length + innerWord.Length + 3 + inner.Length;
            }

            w.Append(root).Append(".appendChild(").Append(c).Append(");");
            walk.Add((key, tag.Length, textLength));
        }

        string x = w.X;
        w.Append("for(var ").Append(n).Append('=').Append(root).Append(".firstElementChild;").Append(n).Append(';').Append(n).Append('=').Append(n).Append(".nextElementSibling){")
            .Append(x).Append("=(Math.imul(").Append(x).Append(',').Append(multiplier).Append(")+(").Append(n).Append(".getAttribute(\"data-k\")|0)+Math.imul(")
            .Append(n).Append(".tagName.length,").Append(tagWeight).Append(")+").Append(n).Append(".textContent.length)|0}");
        int xv = w.XValue;
        foreach ((int key, int tagLength, int textLength) in walk)
        {
            xv = unchecked((xv * multiplier) + key + (tagLength * tagWeight) + textLength);
        }

        string counted = r.Pick(Tags);
        int countWeight = r.Between(2, 9973);
        w.Append(x).Append("=(").Append(x).Append("^(Math.imul(").Append(root).Append(".getElementsByTagName(\"").Append(counted).Append("\").length,").Append(countWeight)
            .Append(")+").Append(root).Append(".childElementCount))|0;")
            .Append(x).Append("=(").Append(x).Append('+').Append(root).Append(".innerHTML.length)|0;")
            .Append(w.Values).Append(".push(").Append(x).Append(">>>0);");
        w.XValue = unchecked((xv ^ ((counts.GetValueOrDefault(counted) * countWeight) + children)) + htmlLength);
        w.ExpectedValues.Add((uint)w.XValue);
    }

    /// <summary>
    /// A chain of 3-5 nested elements, 0-2 listeners on each (capturing or not above the target, in registration order),
    /// one event dispatched at the innermost: each listener folds its number into the chain in the order the DOM
    /// specification runs it; one may stop propagation (the rest of its node still runs), one may prevent the default
    /// (the dispatch returns false).
    /// </summary>
    public static void Events(ProgramWriter w)
    {
        ProgramDraws r = w.Draws;
        int depth = r.Between(3, 5);
        bool bubbles = r.Coin();
        string ev = w.Names.Next(), type = w.Word() + "x";
        int multiplier = (int)r.Next() | 1;
        var nodes = new string[depth];
        var listeners = new List<(int Node, bool Capture, int Id, bool Stop, bool Prevent)>[depth];
        nodes[0] = w.Names.Next();
        w.Append("var ").Append(nodes[0]).Append('=').Append(w.Document).Append(".createElement(\"div\");");
        for (int i = 1; i < depth; i++)
        {
            nodes[i] = w.Child(nodes[i - 1], r.Pick(Tags), "");
        }

        int stopAt = r.Below(3) == 0 ? r.Below(depth) : -1, preventAt = r.Coin() ? r.Below(depth) : -1;
        for (int i = 0; i < depth; i++)
        {
            listeners[i] = [];
            int count = i == depth - 1 ? r.Between(1, 2) : r.Between(0, 2);
            for (int j = 0; j < count; j++)
            {
                bool capture = i < depth - 1 && r.Coin();
                var listener = (i, capture, r.Between(1, 65_535), i == stopAt && j == 0, i == preventAt && j == count - 1);
                listeners[i].Add(listener);
                w.Append(nodes[i]).Append(".addEventListener(\"").Append(type).Append("\",function(").Append(ev).Append("){").Append(w.X).Append("=(Math.imul(")
                    .Append(w.X).Append(',').Append(multiplier).Append(")+").Append(listener.Item3).Append(")|0;");
                if (listener.Item4)
                {
                    w.Append(ev).Append(".stopPropagation();");
                }

                if (listener.Item5)
                {
                    w.Append(ev).Append(".preventDefault();");
                }

                w.Append('}').Append(capture ? ",true);" : ",false);");
            }
        }

        // What the DOM runs: capturing listeners from the root down to the target's parent, the target's own, then (when
        // the event bubbles) the others from the parent up; propagation stops after the node whose listener stopped it.
        int xv = w.XValue;
        bool stopped = false, prevented = false;
        void Run(int node, Func<bool, bool> phase)
        {
            foreach (var l in listeners[node].Where(l => phase(l.Capture)))
            {
                xv = unchecked((xv * multiplier) + l.Id);
                stopped |= l.Stop;
                prevented |= l.Prevent;
            }
        }

        for (int i = 0; i < depth - 1 && !stopped; i++)
        {
            Run(i, capture => capture);
        }

        if (!stopped)
        {
            Run(depth - 1, _ => true);
        }

        for (int i = depth - 2; i >= 0 && bubbles && !stopped; i--)
        {
            Run(i, capture => !capture);
        }

        // The dispatch runs the listeners (which change the chain) before its result is folded in.
        int yes = r.Between(1, 999), no = r.Between(1000, 9999);
        string result = w.Names.Next();
        w.Append("var ").Append(result).Append('=').Append(nodes[depth - 1]).Append(".dispatchEvent(new Event(\"").Append(type).Append("\",{bubbles:")
            .Append(bubbles ? "true" : "false").Append(",cancelable:true}));");
        w.XValue = xv;
        w.Fold(result + "?" + ProgramWriter.I(yes) + ":" + ProgramWriter.I(no), prevented ? no : yes);
    }

    /// <summary>
    /// An element observed by a <c>MutationObserver</c> (child list, attributes with old values, subtree), 3-6 mutations
    /// read back at once with <c>takeRecords()</c> (type, attribute name, old value, added and removed nodes), then one
    /// more whose record the observer's callback receives in a microtask: <paramref name="calls"/> counts them, and
    /// <see cref="ProgramGenerator"/> reads it after a promise queued later (the callback has run by then, not before).
    /// </summary>
    public static void Mutations(ProgramWriter w, string calls)
    {
        ProgramDraws r = w.Draws;
        string target = w.Names.Next(), observer = w.Names.Next(), records = w.Names.Next(), i = w.Names.Next(), m = w.Names.Next();
        w.Append("var ").Append(target).Append('=').Append(w.Document).Append(".createElement(\"div\"),").Append(observer).Append("=new MutationObserver(function(")
            .Append(records).Append("){").Append(calls).Append("+=").Append(records).Append(".length});")
            .Append(observer).Append(".observe(").Append(target).Append(",{childList:true,attributes:true,attributeOldValue:true,subtree:true});");
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new[] { "data-" + w.Word(), "data-" + w.Word(), "title" };
        var expected = new List<(int Type, int Name, int Old, int Added, int Removed)>();
        int children = 0, operations = r.Between(3, 6);
        for (int k = 0; k < operations; k++)
        {
            switch (children > 0 ? r.Below(3) : r.Below(2))
            {
                case 0:
                    string name = r.Pick(names), value = w.Word();
                    w.Append(target).Append(".setAttribute(\"").Append(name).Append("\",\"").Append(value).Append("\");");
                    expected.Add(("attributes".Length, name.Length, attributes.TryGetValue(name, out string? old) ? old.Length : -1, 0, 0));
                    attributes[name] = value;
                    break;
                case 1:
                    w.Append(target).Append(".appendChild(").Append(w.Document).Append(".createElement(\"").Append(r.Pick(Tags)).Append("\"));");
                    expected.Add(("childList".Length, -1, -1, 1, 0));
                    children++;
                    break;
                default:
                    w.Append(target).Append(".removeChild(").Append(target).Append(".lastChild);");
                    expected.Add(("childList".Length, -1, -1, 0, 1));
                    children--;
                    break;
            }
        }

        int weight = r.Between(3, 999);
        w.Append("var ").Append(m).Append('=').Append(observer).Append(".takeRecords();").Append(w.X).Append("=(").Append(w.X).Append('+').Append(m).Append(".length)|0;")
            .Append("for(var ").Append(i).Append("=0;").Append(i).Append('<').Append(m).Append(".length;").Append(i).Append("++){");
        int k2 = (int)r.Next() | 1;
        w.Append(w.X).Append("=(Math.imul(").Append(w.X).Append(',').Append(k2).Append(")+").Append(m).Append('[').Append(i).Append("].type.length+Math.imul(")
            .Append(m).Append('[').Append(i).Append("].attributeName===null?-1:").Append(m).Append('[').Append(i).Append("].attributeName.length,").Append(weight).Append(")+(")
            .Append(m).Append('[').Append(i).Append("].oldValue===null?-1:").Append(m).Append('[').Append(i).Append("].oldValue.length)*7+")
            .Append(m).Append('[').Append(i).Append("].addedNodes.length*11+").Append(m).Append('[').Append(i).Append("].removedNodes.length*13)|0}");
        int xv = unchecked(w.XValue + expected.Count);
        foreach (var e in expected)
        {
            xv = unchecked((xv * k2) + e.Type + (e.Name * weight) + (e.Old * 7) + (e.Added * 11) + (e.Removed * 13));
        }

        w.XValue = xv;

        // One more mutation: its record waits for the observer's microtask, so the callback has not run yet.
        w.Append(target).Append(".setAttribute(\"data-z\",\"1\");");
        w.Fold(calls, 0);
    }
}
