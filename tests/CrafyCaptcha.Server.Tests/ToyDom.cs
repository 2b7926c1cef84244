using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The attacker's toy DOMs (<c>ToyDom/run.js</c> under Node): <c>jsdom</c> from npm as it is, and <c>shim</c>, jsdom with a
/// hand-written box model. One Node process per instance runs the programs it is given one after the other. The npm
/// packages (<c>ToyDom/package-lock.json</c>) are installed on first use when <c>node_modules</c> is missing.
/// </summary>
public sealed class ToyDom : IAsyncDisposable
{
    private static readonly SemaphoreSlim Install = new(1, 1);
    private readonly Process _node;
    private readonly SemaphoreSlim _one = new(1, 1);

    private ToyDom(Process node) => _node = node;

    public static string Directory { get; } = Path.Combine(RepositoryRoot(), "tests", "CrafyCaptcha.Server.Tests", "ToyDom");

    public static async Task<ToyDom> StartAsync()
    {
        await Install.WaitAsync();
        try
        {
            if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "jsdom")))
            {
                await ExecuteAsync("npm", "ci --no-audit --no-fund");
            }
        }
        finally
        {
            Install.Release();
        }

        var start = new ProcessStartInfo("node", "run.js")
        {
            WorkingDirectory = Directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return new ToyDom(Process.Start(start) ?? throw new InvalidOperationException("node did not start"));
    }

    /// <summary>Runs <paramref name="script"/> in the toy DOM <paramref name="mode"/> (<c>jsdom</c> or <c>shim</c>): what the program dispatched.</summary>
    public async Task<JsonObject> RunAsync(string mode, string script)
    {
        await _one.WaitAsync();
        try
        {
            await _node.StandardInput.WriteLineAsync(JsonSerializer.Serialize(new { mode, script }));
            await _node.StandardInput.FlushAsync();
            string line = await _node.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))
                ?? throw new InvalidOperationException("node ended: " + await _node.StandardError.ReadToEndAsync());
            return JsonNode.Parse(line)!.AsObject();
        }
        finally
        {
            _one.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _node.StandardInput.Close();
        if (!_node.WaitForExit(5000))
        {
            _node.Kill(entireProcessTree: true);
        }

        await _node.WaitForExitAsync();
        _node.Dispose();
        _one.Dispose();
    }

    private static async Task ExecuteAsync(string command, string arguments)
    {
        using Process process = Process.Start(new ProcessStartInfo(command, arguments)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException(command + " did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {arguments} failed ({process.ExitCode}): {await output}{await error}");
        }
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CrafyCaptcha.AspNetCore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CrafyCaptcha.AspNetCore.sln not found above " + AppContext.BaseDirectory);
    }
}
