using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CrafyCaptcha.Testing;

namespace CrafyCaptcha.Docs.Tests;

/// <summary>
/// The apps the documentation tells a person to build, made from its blocks: each is a fresh <c>dotnet new</c> app (the
/// template below, named MyApp, outside the repository) that references the repository's <c>CrafyCaptcha.Server</c>
/// project instead of the package, with every <c>&lt;!-- snippet: file APP PATH --&gt;</c> block written as that file and
/// every <c>append APP PATH</c> block added to the template's file. All of them are built in one <c>dotnet build</c>.
/// </summary>
public sealed class DocsApps : IAsyncLifetime
{
    /// <summary>Each docs app and the <c>dotnet new</c> template it starts from.</summary>
    public static readonly IReadOnlyDictionary<string, string> Templates = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["quickstart"] = "webapp",
        ["mvc"] = "mvc",
        ["razor-pages"] = "webapp",
        ["minimal-api"] = "web",
        ["blazor"] = "blazor",
    };

    private readonly string _root = Path.Combine(Path.GetTempPath(), "crafy-docs-apps-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<string, Task<RunningApp>> _running = new(StringComparer.Ordinal);
    private readonly List<string> _disagreements = [];
    private PersonBrowser? _browser;

    /// <summary>The <c>dotnet build</c> of all the apps.</summary>
    public RunResult Build { get; private set; } = null!;

    /// <summary>How long making the apps (<c>dotnet new</c>, the blocks, one <c>dotnet build</c>) took.</summary>
    public TimeSpan SetUpTime { get; private set; }

    /// <summary>Blocks that claim the same file of an app with different text (README and docs/ must agree).</summary>
    public IReadOnlyList<string> Disagreements => _disagreements;

    /// <summary>The files written into each app, and the blocks they came from.</summary>
    internal Dictionary<string, List<Snippet>> Sources { get; } = new(StringComparer.Ordinal);

    /// <summary>Debian's chromium as a person's browser.</summary>
    public PersonBrowser Browser => _browser!;

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(_root);
        string server = Path.Combine(Snippets.RepositoryRoot, "src", "CrafyCaptcha.Server", "CrafyCaptcha.Server.csproj");
        ILookup<string, Snippet> blocks = Snippets.DocumentationFiles().SelectMany(Snippets.Extract).Where(s => s.AppFile is not null).ToLookup(s => s.AppFile!.App);
        foreach ((string app, string template) in Templates)
        {
            string folder = Path.Combine(_root, app);
            (await Run.ProcessAsync("dotnet", ["new", template, "-n", "MyApp", "-o", folder, "--no-restore"], _root, TimeSpan.FromMinutes(2))).EnsureSuccess();
            // One solution builds them all, and a solution wants distinct project names: the file is named after the app,
            // the assembly and namespace stay MyApp's. The package is the repository's project.
            string csproj = await File.ReadAllTextAsync(Path.Combine(folder, "MyApp.csproj"));
            File.Delete(Path.Combine(folder, "MyApp.csproj"));
            await File.WriteAllTextAsync(Path.Combine(folder, app + ".csproj"), csproj.Replace(
                "</Project>",
                $"  <PropertyGroup>\n    <AssemblyName>MyApp</AssemblyName>\n    <RootNamespace>MyApp</RootNamespace>\n  </PropertyGroup>\n  <ItemGroup>\n    <ProjectReference Include=\"{server}\" />\n  </ItemGroup>\n</Project>",
                StringComparison.Ordinal));
            Sources[app] = [.. blocks[app]];
            await WriteBlocksAsync(folder, blocks[app]);
        }

        string solution = Path.Combine(_root, "apps.slnx");
        await File.WriteAllTextAsync(solution, "<Solution>\n" + string.Concat(Templates.Keys.Select(a => $"  <Project Path=\"{a}/{a}.csproj\" />\n")) + "</Solution>\n");
        Build = await Run.ProcessAsync("dotnet", ["build", solution, "-nologo", "-v", "q", "-clp:NoSummary"], _root, TimeSpan.FromMinutes(8));
        SetUpTime = clock.Elapsed;
        _browser = await PersonBrowser.LaunchAsync();
    }

    private async Task WriteBlocksAsync(string folder, IEnumerable<Snippet> blocks)
    {
        var written = new Dictionary<string, Snippet>(StringComparer.Ordinal);
        foreach (Snippet block in blocks)
        {
            AppFile file = block.AppFile!;
            string path = Path.Combine(folder, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (file.Append)
            {
                string existing = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
                await File.WriteAllTextAsync(path, existing + (existing.Length == 0 || existing.EndsWith('\n') ? "" : "\n") + block.Code);
            }
            else if (written.TryGetValue(file.Path, out Snippet? first))
            {
                if (first.Code != block.Code)
                {
                    _disagreements.Add($"{block} and {first} are both {file.App}/{file.Path}, with different text");
                }
            }
            else
            {
                written[file.Path] = block;
                await File.WriteAllTextAsync(path, block.Code);
            }
        }
    }

    /// <summary>The app, started once (on 127.0.0.1, a free port, Development: the engine's development credential).</summary>
    public Task<RunningApp> StartAsync(string app)
    {
        lock (_running)
        {
            if (!_running.TryGetValue(app, out Task<RunningApp>? running))
            {
                running = RunningApp.StartAsync(Path.Combine(_root, app));
                _running[app] = running;
            }

            return running;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (Task<RunningApp> running in _running.Values)
        {
            try
            {
                (await running).Dispose();
            }
            catch (Xunit.Sdk.XunitException)
            {
                // it failed to start: its test said why
            }
        }

        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A docs app running as its own process.</summary>
public sealed class RunningApp : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log;

    private RunningApp(Process process, StringBuilder log, Uri baseUrl)
    {
        _process = process;
        _log = log;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    /// <summary>What the app printed so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<RunningApp> StartAsync(string folder)
    {
        string dll = Path.Combine(folder, "bin", "Debug", "net10.0", "MyApp.dll");
        Assert.True(File.Exists(dll), $"{dll} was not built");
        int port = FreePort();
        var baseUrl = new Uri($"http://127.0.0.1:{port}/");
        ProcessStartInfo start = Run.StartInfo("dotnet", [dll, "--urls", baseUrl.ToString()], folder, new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Development" });
        var log = new StringBuilder();
        Process process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var app = new RunningApp(process, log, baseUrl);

        using var client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new Xunit.Sdk.XunitException($"{folder} exited with code {process.ExitCode}:\n{app.Log}");
            }

            try
            {
                using HttpResponseMessage _ = await client.GetAsync(new Uri("/", UriKind.Relative));
                return app;
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
