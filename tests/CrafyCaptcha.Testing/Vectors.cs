using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrafyCaptcha.Testing;

/// <summary>The official SDKs' vectors (Data/vectors.json, a byte-for-byte copy of shared/protocol/vectors.json).</summary>
public static class Vectors
{
    private static readonly Lazy<JsonObject> Root = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "vectors.json")))!.AsObject());

    public static JsonObject All => Root.Value;

    public static string SecretKey(string keyId) =>
        All["keys"]!.AsArray().Single(k => (string)k!["id"]! == keyId)!["secret_key"]!.GetValue<string>();

    public static IEnumerable<JsonObject> Section(string name) => All[name]!.AsArray().Select(n => n!.AsObject());

    public static JsonObject Case(string section, string id) => Section(section).Single(c => (string)c["id"]! == id);

    public static TheoryData<string> Ids(string section, Func<JsonObject, bool>? filter = null)
    {
        var data = new TheoryData<string>();
        foreach (JsonObject c in Section(section).Where(filter ?? (_ => true)))
        {
            data.Add((string)c["id"]!);
        }

        return data;
    }

    public static bool OpensWithAny(JsonObject c) => c["opens_with"]!.AsObject().Any(p => p.Value!.GetValue<bool>());

    public static string? Str(JsonObject c, string key) => c[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
