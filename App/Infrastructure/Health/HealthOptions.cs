namespace Undb.Infrastructure.Health;

/// <summary>Thresholds of the health checks, bound from <c>Health</c>.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>
    /// The delivery worker's sweeper beats once per <c>Webhooks:SweepInterval</c>; silent for longer than this (and
    /// never less than three sweep intervals) it counts as dead, and <c>/health/live</c> fails so the process is restarted.
    /// </summary>
    public TimeSpan WorkerStaleAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A delivery due for longer than this and still not sent means the queue is stuck: <c>/health/ready</c> reports
    /// <c>degraded</c> (still 200: taking the instance out of the balancer would not send it sooner).
    /// </summary>
    public TimeSpan DeliveryQueueStuckAfter { get; set; } = TimeSpan.FromMinutes(10);
}
