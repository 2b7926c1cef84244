using System.Net;
using System.Net.Sockets;

namespace CrafyCaptcha.Shared;

/// <summary>
/// The client's address as the server sees it (<c>HttpContext.Connection.RemoteIpAddress</c>, which the
/// forwarded-headers middleware rewrites when the host configures it), its host and its network. The host is what one
/// machine or household holds: the address itself for IPv4, its /64 for IPv6 (every device gets a whole /64, so a
/// /128 would give one client unlimited fresh addresses). The network is what one office, school or carrier customer
/// usually holds: /24 for IPv4, /48 for IPv6. No address is exempt, loopback included.
/// </summary>
internal readonly record struct ClientAddress(IPAddress Address, IPNetwork Host, IPNetwork Network)
{
    public static ClientAddress From(IPAddress? remote)
    {
        IPAddress address = remote ?? IPAddress.None;
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        int host = v6 ? 64 : 32;
        int network = v6 ? 48 : 24;
        return new ClientAddress(address, new IPNetwork(Mask(address, host), host), new IPNetwork(Mask(address, network), network));
    }

    /// <summary>The key of the host in counters (never logged with the address itself): the IPv4 address, or the IPv6 /64.</summary>
    public string AddressKey => Host.PrefixLength == 32 ? Address.ToString() : Host.ToString();

    /// <summary>The key of the network in counters.</summary>
    public string NetworkKey => Network.ToString();

    /// <summary>
    /// The key of the site whose distinct hosts are counted: the /24 for IPv4, the /56 for IPv6 (one customer's
    /// allocation; a carrier's /48 holds many customers, who must not share one rotation count).
    /// </summary>
    public string SiteKey => Host.PrefixLength == 32 ? NetworkKey : new IPNetwork(Mask(Address, 56), 56).ToString();

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
