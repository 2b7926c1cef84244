using System.Reflection;

namespace CrafyCaptcha.Server.Api;

/// <summary><c>GET {base}/challenge/assets/{name}</c>: the iframe's scripts (embedded in this assembly).</summary>
internal static class AssetEndpoints
{
    public static IResult Asset(string name)
    {
        if (name is not ("challenge.js" or "puzzle.js" or "pow-worker.js" or "refusal.js"))
        {
            return Results.NotFound();
        }

        Stream? stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("CrafyCaptcha.Server.Assets." + name);
        return stream is null ? Results.NotFound() : Results.Stream(stream, "text/javascript; charset=utf-8");
    }
}
