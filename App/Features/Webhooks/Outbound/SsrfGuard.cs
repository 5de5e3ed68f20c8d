using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>A webhook tried to reach an address it may not (loopback, private, link-local, metadata, …).</summary>
public sealed class SsrfBlockedException(string message) : Exception(message);

/// <summary>
/// The SSRF guard, run as the delivery client's <c>ConnectCallback</c>: it resolves the host itself, refuses every
/// non-public address and connects to the address it vetted, so DNS cannot answer differently between check and
/// connect. <c>Webhooks:AllowPrivateNetworks</c> opens it (development and tests only).
/// </summary>
public sealed class SsrfGuard(IOptionsMonitor<WebhooksOptions> options)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;
        var addresses = await ResolveAsync(host, ct);
        var allowed = options.CurrentValue.AllowPrivateNetworks ? addresses : addresses.Where(NetworkRules.IsPublic).ToArray();
        if (allowed.Length == 0)
        {
            throw new SsrfBlockedException(addresses.Length == 0
                ? $"'{host}' did not resolve to any address."
                : $"'{host}' resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}: a loopback, private, link-local or reserved address, which webhooks may not call (the server's Webhooks:AllowPrivateNetworks setting allows it).");
        }

        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        var trimmed = host.Trim('[', ']');
        if (IPAddress.TryParse(trimmed, out var literal))
        {
            return [literal];
        }
        try
        {
            return await Dns.GetHostAddressesAsync(trimmed, ct);
        }
        catch (SocketException ex)
        {
            throw new HttpRequestException($"Could not resolve '{host}': {ex.Message}", ex);
        }
    }
}

/// <summary>Which addresses count as public Internet addresses a webhook may call.</summary>
public static class NetworkRules
{
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsPublicV6(address),
            _ => false,
        };
    }

    private static bool IsPublicV4(byte[] b) => !(
        b[0] == 0                                   // 0.0.0.0/8, "this network" (0.0.0.0 reaches the host itself)
        || b[0] == 10                               // private
        || b[0] == 127                              // loopback
        || (b[0] == 100 && (b[1] & 0xC0) == 64)     // 100.64.0.0/10 carrier-grade NAT
        || (b[0] == 169 && b[1] == 254)             // link-local, incl. 169.254.169.254 cloud metadata
        || (b[0] == 172 && (b[1] & 0xF0) == 16)     // 172.16.0.0/12 private
        || (b[0] == 192 && b[1] == 168)             // private
        || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2) // IETF assignments, TEST-NET-1
        || (b[0] == 198 && (b[1] & 0xFE) == 18)     // 198.18.0.0/15 benchmarking
        || (b[0] == 198 && b[1] == 51 && b[2] == 100) || (b[0] == 203 && b[1] == 0 && b[2] == 113) // TEST-NET-2/3
        || b[0] >= 224);                            // multicast, reserved, broadcast

    private static bool IsPublicV6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6Loopback)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
        {
            return false;
        }
        var b = address.GetAddressBytes();
        // IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) addresses carry an IPv4 address in the last 4 bytes.
        if (b.Take(12).All(x => x == 0) || (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.Skip(4).Take(8).All(x => x == 0)))
        {
            return IsPublicV4(b[12..]);
        }
        // 6to4 (2002::/16) embeds an IPv4 address in bytes 2-5.
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublicV4(b[2..6]);
        }
        // Teredo (2001::/32) tunnels to arbitrary IPv4; documentation (2001:db8::/32) is never real.
        if (b[0] == 0x20 && b[1] == 0x01 && ((b[2] == 0 && b[3] == 0) || (b[2] == 0x0d && b[3] == 0xb8)))
        {
            return false;
        }
        return true;
    }
}
