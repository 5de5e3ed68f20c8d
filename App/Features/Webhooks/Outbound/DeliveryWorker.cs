using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Undb.Data;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// Sends deliveries as their ids arrive on the <see cref="DeliveryQueue"/>, each in its own task, through a lane per
/// webhook (at most <c>MaxConcurrencyPerWebhook</c> at once) and a global cap, so a slow endpoint only ever
/// occupies its own lane. A sweeper, at start-up and every <c>SweepInterval</c>, re-queues deliveries that are due
/// (retries) or whose lease expired (a crash), which makes the channel a wake-up and the database the truth.
/// </summary>
public sealed class DeliveryWorker(
    DeliveryQueue queue,
    DeliveryProcessor processor,
    IDbContextFactory<AppDbContext> dbFactory,
    TimeProvider time,
    IOptionsMonitor<WebhooksOptions> options,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _lanes = new();
    private readonly SemaphoreSlim _global = new(options.CurrentValue.MaxConcurrentDeliveries);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sweeper = SweepLoopAsync(stoppingToken);
        try
        {
            await foreach (var work in queue.ReadAllAsync(stoppingToken))
            {
                _ = RunAsync(work, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await sweeper;
    }

    private async Task RunAsync(DeliveryWork work, CancellationToken ct)
    {
        var lane = _lanes.GetOrAdd(work.WebhookId, _ => new SemaphoreSlim(options.CurrentValue.MaxConcurrencyPerWebhook));
        try
        {
            await lane.WaitAsync(ct);
            var held = 1;
            // The lane and the global slot bound requests in flight, so they are freed as soon as the response is
            // in; recording it (batched with others) then happens outside them, under the delivery's lease.
            void ReleaseSlots()
            {
                if (Interlocked.Exchange(ref held, 0) == 1)
                {
                    _global.Release();
                    lane.Release();
                }
            }
            try
            {
                await _global.WaitAsync(ct);
            }
            catch
            {
                Interlocked.Exchange(ref held, 0);
                lane.Release();
                throw;
            }
            try
            {
                await processor.ProcessAsync(work.DeliveryId, ReleaseSlots, ct);
            }
            finally
            {
                ReleaseSlots();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The delivery stays in the database; the sweeper tries it again when its lease runs out.
            logger.LogError(ex, "Delivery {DeliveryId} for webhook {WebhookId} failed unexpectedly", work.DeliveryId, work.WebhookId);
        }
        finally
        {
            queue.Release(work.DeliveryId);
        }
    }

    private async Task SweepLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await SweepOnceAsync(ct);
                await Task.Delay(options.CurrentValue.SweepInterval, time, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "The delivery sweeper failed; it tries again in {Interval}", options.CurrentValue.SweepInterval);
                try
                {
                    await Task.Delay(options.CurrentValue.SweepInterval, time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Queues due and lease-expired deliveries, oldest due first; returns how many were queued.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var due = await db.Deliveries.AsNoTracking()
            .Where(d => (d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
                || (d.Status == DeliveryStatus.InFlight && d.LeaseExpiresAt <= now))
            .OrderBy(d => d.NextAttemptAt)
            .Select(d => new DeliveryWork(d.Id, d.WebhookId))
            .Take(options.CurrentValue.SweepBatchSize)
            .ToListAsync(ct);
        var queued = due.Count(w => !queue.IsHeld(w.DeliveryId) && queue.TryEnqueue(w));
        if (queued > 0)
        {
            logger.LogDebug("The sweeper queued {Count} due deliveries", queued);
        }
        return queued;
    }
}
