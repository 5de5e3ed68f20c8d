using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Undb.Data;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// The "Undb.Webhooks" meter: attempts succeeded and failed (by event and status code), attempt duration, queue depth,
/// and the workspace's held deliveries and failing webhooks (counted by the sweeper, at most every
/// <see cref="StateRefresh"/>, and only while something listens).
/// </summary>
public sealed class WebhookMetrics
{
    public const string MeterName = "Undb.Webhooks";

    private readonly Counter<long> _succeeded;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _duration;
    private readonly ObservableGauge<long> _held;
    private readonly ObservableGauge<long> _failing;
    private long _heldCount;
    private long _failingCount;
    private long _refreshedAt;

    public static readonly TimeSpan StateRefresh = TimeSpan.FromSeconds(15);

    public WebhookMetrics(IMeterFactory meterFactory, DeliveryQueue queue)
    {
        var meter = meterFactory.Create(MeterName);
        _succeeded = meter.CreateCounter<long>("undb.webhooks.attempts.succeeded", "{attempt}", "Delivery attempts answered with 2xx.");
        _failed = meter.CreateCounter<long>("undb.webhooks.attempts.failed", "{attempt}", "Delivery attempts that failed (non-2xx, timeout, refused).");
        _duration = meter.CreateHistogram<double>("undb.webhooks.attempt.duration", "ms", "Time from sending a request to reading its answer.");
        meter.CreateObservableGauge("undb.webhooks.queue.depth", () => queue.Depth, "{delivery}", "Deliveries queued or being sent in this process.");
        _held = meter.CreateObservableGauge("undb.webhooks.held", () => Interlocked.Read(ref _heldCount), "{delivery}", "Deliveries held by paused or auto-disabled webhooks.");
        _failing = meter.CreateObservableGauge("undb.webhooks.failing", () => Interlocked.Read(ref _failingCount), "{webhook}", "Enabled webhooks whose last attempt failed.");
    }

    /// <summary>Counts held deliveries and failing webhooks when something listens and the last count is older than <see cref="StateRefresh"/>.</summary>
    public async Task RefreshStateAsync(IDbContextFactory<AppDbContext> dbFactory, DateTimeOffset now, CancellationToken ct)
    {
        if (!(_held.Enabled || _failing.Enabled) || now.UtcTicks - Interlocked.Read(ref _refreshedAt) < StateRefresh.Ticks)
        {
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        Interlocked.Exchange(ref _heldCount, await db.Deliveries.LongCountAsync(d => d.Status == DeliveryStatus.Held, ct));
        Interlocked.Exchange(ref _failingCount, await db.Webhooks.LongCountAsync(w => w.Enabled && w.ConsecutiveFailures > 0, ct));
        Interlocked.Exchange(ref _refreshedAt, now.UtcTicks);
    }

    public void Attempted(bool succeeded, double durationMs, string eventName, int? statusCode)
    {
        var tags = new TagList { { "event", eventName }, { "status_code", statusCode ?? 0 } };
        (succeeded ? _succeeded : _failed).Add(1, tags);
        _duration.Record(durationMs, tags);
    }
}
