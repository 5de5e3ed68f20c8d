using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Infrastructure.Health;

/// <summary>
/// The delivery worker is running and its sweeper still beats (<see cref="DeliveryWorker.LastBeatAt"/>). A worker
/// that stopped or hangs will not come back by itself: this check is part of <c>/health/live</c>.
/// </summary>
public sealed class DeliveryWorkerHealthCheck(
    IEnumerable<IHostedService> hostedServices,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    IOptionsMonitor<WebhooksOptions> webhooks,
    IOptionsMonitor<HealthOptions> health) : IHealthCheck
{
    private readonly DateTimeOffset _since = time.GetUtcNow();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var worker = hostedServices.OfType<DeliveryWorker>().SingleOrDefault();
        if (worker is null)
        {
            return Task.FromResult(HealthCheckResult.Healthy("No delivery worker runs in this process."));
        }
        if (worker.ExecuteTask is { IsCompleted: true } && !lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "The delivery worker has stopped.", worker.ExecuteTask.Exception));
        }
        var staleAfter = StaleAfter(webhooks.CurrentValue, health.CurrentValue);
        var lastBeat = worker.LastBeatAt ?? _since;
        var silentFor = time.GetUtcNow() - lastBeat;
        var data = new Dictionary<string, object> { ["lastBeatAt"] = lastBeat.UtcDateTime.ToString("O") };
        return Task.FromResult(silentFor > staleAfter
            ? new HealthCheckResult(context.Registration.FailureStatus, $"The delivery worker's sweeper has not run for {silentFor.TotalSeconds:0} s.", data: data)
            : HealthCheckResult.Healthy("The delivery worker is running.", data));
    }

    /// <summary>The configured threshold, but never under three sweep intervals (a sweep may legitimately wait one).</summary>
    public static TimeSpan StaleAfter(WebhooksOptions webhooks, HealthOptions health) =>
        TimeSpan.FromTicks(Math.Max(health.WorkerStaleAfter.Ticks, webhooks.SweepInterval.Ticks * 3));
}

/// <summary>
/// The queue is moving: no delivery has been due (or held under an expired lease) for longer than
/// <see cref="HealthOptions.DeliveryQueueStuckAfter"/>. Reported as degraded, with the oldest one's due time.
/// </summary>
public sealed class DeliveryQueueHealthCheck(
    IDbContextFactory<AppDbContext> dbFactory,
    TimeProvider time,
    IOptionsMonitor<HealthOptions> health) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var cutoff = time.GetUtcNow() - health.CurrentValue.DeliveryQueueStuckAfter;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Two seeks on the (Status, NextAttemptAt) index rather than one OR that neither engine can seek.
        var pending = await db.Deliveries.AsNoTracking()
            .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= cutoff)
            .OrderBy(d => d.NextAttemptAt).Select(d => (DateTimeOffset?)d.NextAttemptAt).FirstOrDefaultAsync(ct);
        var abandoned = await db.Deliveries.AsNoTracking()
            .Where(d => d.Status == DeliveryStatus.InFlight && d.LeaseExpiresAt <= cutoff)
            .OrderBy(d => d.LeaseExpiresAt).Select(d => d.LeaseExpiresAt).FirstOrDefaultAsync(ct);
        var oldest = new[] { pending, abandoned }.Where(t => t is not null).Min();
        if (oldest is null)
        {
            return HealthCheckResult.Healthy("No delivery is overdue.");
        }
        var data = new Dictionary<string, object> { ["oldestDueAt"] = oldest.Value.UtcDateTime.ToString("O") };
        return HealthCheckResult.Degraded($"A delivery due since {oldest.Value.UtcDateTime:O} has not been sent.", data: data);
    }
}
