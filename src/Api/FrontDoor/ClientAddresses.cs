using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Doorbuster.Api.FrontDoor;

/// <summary>
/// Who the client is, for its fair share: the <c>X-Forwarded-For</c> address when the connection comes from a
/// trusted proxy (<see cref="ForwardedHeadersMiddleware"/>), else the connection's own address. Anyone else's
/// <c>X-Forwarded-For</c> is ignored, so a client cannot make up new identities to get new buckets.
/// </summary>
public static class ClientAddresses
{
    /// <summary>
    /// Parses <see cref="AdmissionOptions.TrustedProxies"/>: addresses and CIDR ranges separated by commas or
    /// spaces. Returns <c>false</c> if an entry is neither.
    /// </summary>
    public static bool TryParseTrustedProxies(string? list, out IReadOnlyList<IPAddress> proxies, out IReadOnlyList<System.Net.IPNetwork> networks)
    {
        var addresses = new List<IPAddress>();
        var ranges = new List<System.Net.IPNetwork>();
        proxies = addresses;
        networks = ranges;
        foreach (var entry in (list ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPAddress.TryParse(entry, out var address))
            {
                addresses.Add(address);
            }
            else if (System.Net.IPNetwork.TryParse(entry, out var range))
            {
                ranges.Add(range);
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Trusts <c>X-Forwarded-For</c> from the configured proxies only; with none configured, ASP.NET Core's
    /// default stays: loopback only. Every trusted hop is unwrapped, so a chain of listed proxies (a CDN in
    /// front of the ingress) yields the address the first of them saw.
    /// </summary>
    public static void TrustProxies(ForwardedHeadersOptions options, string? trustedProxies)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
        options.ForwardLimit = null;
        if (!TryParseTrustedProxies(trustedProxies, out var proxies, out var networks) || proxies.Count + networks.Count == 0)
        {
            return;
        }

        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            options.KnownProxies.Add(proxy);
        }

        foreach (var network in networks)
        {
            options.KnownIPNetworks.Add(network);
        }
    }

    /// <summary>
    /// The key of a client's bucket, or <c>null</c> when the request has no peer address (an in-memory test
    /// server). An IPv6 client is keyed by its /64, the block one subscriber gets, so that it cannot rotate
    /// through its own addresses for fresh buckets.
    /// </summary>
    public static IPAddress? KeyOf(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
