using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrafyCaptcha.Protocol;

/// <summary>
/// Writes the iframe options JSON as the official SDKs do: the caller's keys in their order, <c>context</c>
/// removed (it stays server-side), and <c>nonce</c> last, or in place when the caller had a <c>nonce</c> key.
/// </summary>
internal static class FlowOptionsWriter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    internal static JsonObject ToJsonObject(FlowOptions options)
    {
        var json = new JsonObject();
        if (options.Mode is { } mode)
        {
            json["mode"] = ModeName(mode);
        }

        if (options.Puzzles is { } puzzles)
        {
            var array = new JsonArray();
            foreach (PuzzleKind puzzle in puzzles)
            {
                array.Add(PuzzleName(puzzle));
            }

            json["puzzles"] = array;
        }

        foreach (KeyValuePair<string, JsonNode?> pair in options.AdditionalOptions)
        {
            if (pair.Key is not ("mode" or "puzzles" or "nonce" or "context"))
            {
                json[pair.Key] = pair.Value?.DeepClone();
            }
        }

        return json;
    }

    /// <summary>Writes <paramref name="options"/> with <paramref name="nonce"/> as the plaintext of an <c>eo</c>, ready to seal.</summary>
    /// <param name="output">Receives the UTF-8 JSON.</param>
    /// <param name="options">The iframe options; a <c>context</c> key is left out.</param>
    /// <param name="nonce">The flow's nonce (64 lowercase hex).</param>
    public static void Write(IBufferWriter<byte> output, JsonObject options, string nonce)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        bool nonceWritten = false;
        foreach (KeyValuePair<string, JsonNode?> pair in options)
        {
            if (pair.Key == "context")
            {
                continue;
            }

            writer.WritePropertyName(pair.Key);
            if (pair.Key == "nonce")
            {
                writer.WriteStringValue(nonce);
                nonceWritten = true;
            }
            else if (pair.Value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                pair.Value.WriteTo(writer);
            }
        }

        if (!nonceWritten)
        {
            writer.WriteString("nonce", nonce);
        }

        writer.WriteEndObject();
    }

    internal static string ModeName(FlowMode mode) => mode switch
    {
        FlowMode.Hidden => "hidden",
        FlowMode.Puzzle => "puzzle",
        _ => "auto",
    };

    internal static string PuzzleName(PuzzleKind puzzle) => puzzle switch
    {
        PuzzleKind.Slider => "slider",
        PuzzleKind.Connect => "connect",
        _ => "checkbox",
    };
}
