using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CrafyCaptcha.Server.ControlPanel.Tests;

/// <summary>
/// A real PostgreSQL (Debian's <c>postgresql</c> package) on 127.0.0.1 and a free port, in a temporary data folder with
/// trust authentication, started and stopped by the tests. initdb and postgres refuse to run as root, so as root (CI)
/// they run as the <c>postgres</c> user through runuser.
/// </summary>
public sealed class PostgreSqlServer : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "crafy-pg-" + Guid.NewGuid().ToString("N"));
    private string _bin = null!;

    public int Port { get; } = FreePort();

    /// <summary>A connection string to a database of its own (created by the panel on first use).</summary>
    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=false";

    public async Task InitializeAsync()
    {
        _bin = FindBin();
        Directory.CreateDirectory(_directory);
        if (IsRoot)
        {
            await RunAsync("chown", $"postgres {_directory}");
        }

        await RunPgAsync("initdb", $"-D {_directory}/data -U postgres -A trust -E UTF8 --no-sync");
        await RunPgAsync("pg_ctl", $"-D {_directory}/data -l {_directory}/log -w -t 60 -o \"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off\" start");
        for (int i = 0; i < 100 && !await AcceptsAsync(); i++)
        {
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            await RunPgAsync("pg_ctl", $"-D {_directory}/data -m immediate -w stop");
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>Debian keeps the server programs in /usr/lib/postgresql/&lt;major&gt;/bin; the newest one is used.</summary>
    private static string FindBin()
    {
        const string Root = "/usr/lib/postgresql";
        string? bin = Directory.Exists(Root)
            ? Directory.GetDirectories(Root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out int major) ? major : 0).FirstOrDefault()
            : null;
        return bin ?? Path.GetDirectoryName(CrafyCaptcha.Testing.RequiredProgram.Find("initdb", "postgresql"))!;
    }

    private Task RunPgAsync(string program, string arguments)
        => IsRoot
            ? RunAsync("runuser", $"-u postgres -- {Path.Combine(_bin, program)} {arguments}")
            : RunAsync(Path.Combine(_bin, program), arguments);

    private static async Task RunAsync(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        }) ?? throw new InvalidOperationException($"{program} could not be started.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {arguments} failed ({process.ExitCode}): {await output} {await error}");
        }
    }

    private async Task<bool> AcceptsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
