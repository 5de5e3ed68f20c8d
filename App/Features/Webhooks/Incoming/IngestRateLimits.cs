using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>
/// The two budgets of <c>POST /hooks/{id}</c>, as partitioned fixed windows: a webhook's budget is spent only by
/// requests that carry its right key, and everything else (no key, a wrong key, an unknown webhook) spends the budget
/// of the client's address. So an outsider guessing keys runs out of their own budget and never of the sender's,
/// and a sender with the right key gets through even from an address that also sends wrong ones. The key is
/// checked before either budget is spent: that is a lookup in memory and a hash, no database write.
/// </summary>
public sealed class IngestRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perWebhook;
    private readonly PartitionedRateLimiter<string> _perClient;

    public IngestRateLimits(IOptions<IncomingWebhooksOptions> options)
    {
        var o = options.Value;
        _perWebhook = FixedWindows(o.RateLimitPermits, o.RateLimitWindow);
        _perClient = FixedWindows(o.UnauthenticatedRateLimitPermits, o.UnauthenticatedRateLimitWindow);
    }

    /// <summary>Spends one of the webhook's permits for an authenticated request; null if granted, else how long to wait.</summary>
    public TimeSpan? Authenticated(string webhookId) => Acquire(_perWebhook, webhookId);

    /// <summary>Spends one of the client's permits for a request that did not authenticate; null if granted, else how long to wait.</summary>
    public TimeSpan? Unauthenticated(IPAddress? client) => Acquire(_perClient, ClientKey(client));

    /// <summary>
    /// The partition of a client address: an IPv4 address, or the /64 network of an IPv6 one (one subscriber usually
    /// holds a whole /64, so single addresses would give them billions of budgets). IPv4-mapped addresses count as IPv4.
    /// </summary>
    public static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            return "";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes) + "/64";
    }

    private static PartitionedRateLimiter<string> FixedWindows(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    private static TimeSpan? Acquire(PartitionedRateLimiter<string> limiter, string key)
    {
        using var lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return null;
        }
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
    }

    public void Dispose()
    {
        _perWebhook.Dispose();
        _perClient.Dispose();
    }
}
