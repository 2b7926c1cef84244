using System.Net;
using System.Net.Sockets;

namespace CrafyCaptcha.Shared;

/// <summary>
/// The client's address as the server sees it (<c>HttpContext.Connection.RemoteIpAddress</c>, which the
/// forwarded-headers middleware rewrites when the host configures it) and its network: /24 for IPv4, /56 for IPv6,
/// the sizes one household, office or carrier customer usually gets. No address is exempt, loopback included.
/// </summary>
internal readonly record struct ClientAddress(IPAddress Address, IPNetwork Network)
{
    public static ClientAddress From(IPAddress? remote)
    {
        IPAddress address = remote ?? IPAddress.None;
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        int prefix = address.AddressFamily == AddressFamily.InterNetworkV6 ? 56 : 24;
        return new ClientAddress(address, new IPNetwork(Mask(address, prefix), prefix));
    }

    /// <summary>The key of the address in counters (never logged with the address itself).</summary>
    public string AddressKey => Address.ToString();

    /// <summary>The key of the network in counters.</summary>
    public string NetworkKey => Network.ToString();

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int bits = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bits));
        }

        return new IPAddress(bytes);
    }
}
