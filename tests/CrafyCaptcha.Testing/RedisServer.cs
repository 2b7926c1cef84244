using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CrafyCaptcha.Testing;

/// <summary>A real redis-server (Debian's package) on 127.0.0.1 and a free port, started and stopped by the tests.</summary>
public sealed class RedisServer : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "crafy-redis-" + Guid.NewGuid().ToString("N"));

    public int Port { get; } = FreePort();

    public string Configuration => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await StartAsync();
    }

    public async Task StartAsync()
    {
        string pidFile = Path.Combine(_directory, "redis.pid");
        string redisServer = CrafyCaptcha.Testing.RequiredProgram.Find("redis-server", "redis-server");
        using var process = Process.Start(new ProcessStartInfo(redisServer,
            $"--bind 127.0.0.1 --port {Port} --daemonize yes --pidfile {pidFile} --dir {_directory} --save \"\" --appendonly no --logfile {Path.Combine(_directory, "redis.log")}")
        {
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server could not be started (apt-get install redis-server).");
        await process.WaitForExitAsync();
        for (int i = 0; i < 100; i++)
        {
            if (await PingAsync())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"redis-server did not answer on port {Port}.");
    }

    public async Task StopAsync()
    {
        string pid = (await File.ReadAllTextAsync(Path.Combine(_directory, "redis.pid"))).Trim();
        using var kill = Process.Start("kill", pid)!;
        await kill.WaitForExitAsync();
        for (int i = 0; i < 100 && await PingAsync(); i++)
        {
            await Task.Delay(50);
        }
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            byte[] buffer = new byte[16];
            int read = await stream.ReadAsync(buffer);
            return read > 0 && buffer[0] == (byte)'+';
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
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

    public async Task DisposeAsync()
    {
        if (File.Exists(Path.Combine(_directory, "redis.pid")))
        {
            await StopAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
