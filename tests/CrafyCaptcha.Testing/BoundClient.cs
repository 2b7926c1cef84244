using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CrafyCaptcha.Testing;

/// <summary>
/// HTTP clients whose connections leave from a source address of the test's choice, as clients on other machines of
/// one network would: IPv4 from 127.0.0.0/8 (local on Linux), IPv6 from a /64 routed to the loopback interface
/// (<c>ip -6 route replace local …/64 dev lo</c>, which needs root) and bound with <c>IPV6_FREEBIND</c>.
/// </summary>
public static class BoundClient
{
    private const int IpProtoIpv6 = 41; // IPPROTO_IPV6
    private const int Ipv6FreeBind = 78; // IPV6_FREEBIND (linux/in6.h)

    /// <summary>
    /// A client whose connections to <paramref name="baseAddress"/> come from <paramref name="source"/>, with its own
    /// cookies or the given <paramref name="cookies"/> (one browser's cookies on another network).
    /// </summary>
    public static HttpClient From(IPAddress source, Uri baseAddress, CookieContainer? cookies = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            CookieContainer = cookies ?? new CookieContainer(),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(source.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    if (source.AddressFamily == AddressFamily.InterNetworkV6)
                    {
                        socket.SetRawSocketOption(IpProtoIpv6, Ipv6FreeBind, BitConverter.GetBytes(1));
                    }

                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = baseAddress };
    }

    /// <summary>
    /// Routes <paramref name="prefix"/> (an IPv6 /64) to the loopback interface so that its addresses can be bound
    /// and answered; <see langword="false"/> with the reason when this machine does not allow it (not root, no
    /// CAP_NET_ADMIN, no <c>ip</c>).
    /// </summary>
    public static bool TryRouteToLoopback(string prefix, out string reason)
    {
        try
        {
            var start = new ProcessStartInfo("ip", ["-6", "route", "replace", "local", prefix, "dev", "lo"]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using Process process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            reason = process.ExitCode == 0 ? string.Empty : $"ip -6 route replace local {prefix} dev lo: {error.Trim()}";
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            reason = "ip (iproute2) could not run: " + ex.Message;
            return false;
        }
    }
}
