using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>The "Undb.Webhooks" meter: deliveries succeeded and failed, attempt duration, queue depth.</summary>
public sealed class WebhookMetrics
{
    public const string MeterName = "Undb.Webhooks";

    private readonly Counter<long> _succeeded;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _duration;

    public WebhookMetrics(IMeterFactory meterFactory, DeliveryQueue queue)
    {
        var meter = meterFactory.Create(MeterName);
        _succeeded = meter.CreateCounter<long>("undb.webhooks.attempts.succeeded", "{attempt}", "Delivery attempts answered with 2xx.");
        _failed = meter.CreateCounter<long>("undb.webhooks.attempts.failed", "{attempt}", "Delivery attempts that failed (non-2xx, timeout, refused).");
        _duration = meter.CreateHistogram<double>("undb.webhooks.attempt.duration", "ms", "Time from sending a request to reading its answer.");
        meter.CreateObservableGauge("undb.webhooks.queue.depth", () => queue.Depth, "{delivery}", "Deliveries queued or being sent in this process.");
    }

    public void Attempted(bool succeeded, double durationMs, string eventName, int? statusCode)
    {
        var tags = new TagList { { "event", eventName }, { "status_code", statusCode ?? 0 } };
        (succeeded ? _succeeded : _failed).Add(1, tags);
        _duration.Record(durationMs, tags);
    }
}
