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
/// Fresh deliveries usually arrive already claimed by the transaction that created them (see <see cref="OutboxSink"/>).
/// </summary>
public sealed class DeliveryWorker(
    DeliveryQueue queue,
    DeliveryProcessor processor,
    DeliveryStore store,
    HeldDeliveries held,
    IDbContextFactory<AppDbContext> dbFactory,
    TimeProvider time,
    IOptionsMonitor<WebhooksOptions> options,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _lanes = new();
    private readonly SemaphoreSlim _global = new(options.CurrentValue.MaxConcurrentDeliveries);
    private long _lastBeat;

    /// <summary>When the sweeper last started a round (whether or not it succeeded): the worker's heartbeat, for the health check.</summary>
    public DateTimeOffset? LastBeatAt => Interlocked.Read(ref _lastBeat) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>Before the app serves anything (and so before this process claims anything): what an earlier run of this instance held is free again.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var expired = await store.ExpireLeasesOfEarlierRunsAsync(cancellationToken);
        if (expired > 0)
        {
            logger.LogWarning("{Count} deliveries were in hand when this instance last stopped without finishing them; they are sent again now", expired);
        }
        await base.StartAsync(cancellationToken);
    }

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
                await processor.ProcessAsync(work, ReleaseSlots, ct);
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
            Interlocked.Exchange(ref _lastBeat, time.GetUtcNow().UtcTicks);
            try
            {
                await SweepOnceAsync(ct);
                await EnforceHeldAsync(ct);
                await WaitForNextSweepAsync(ct);
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

    /// <summary>The cap on held deliveries, checked here once per sweep rather than on every write (see <see cref="HeldDeliveries"/>).</summary>
    private async Task EnforceHeldAsync(CancellationToken ct)
    {
        try
        {
            await held.EnforceAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Not a reason to stop sending: the next sweep tries again.
            logger.LogError(ex, "Checking held deliveries failed; the next sweep tries again");
        }
    }

    /// <summary>Until the sweep interval has passed, or sooner when the queue turned ids away and has room again.</summary>
    private async Task WaitForNextSweepAsync(CancellationToken ct)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var interval = Task.Delay(options.CurrentValue.SweepInterval, time, done.Token);
        await Task.WhenAny(interval, queue.WaitForRoomAsync(done.Token));
        await done.CancelAsync();
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Queues due and lease-expired deliveries, oldest due first, until the queue is full or none are left; returns
    /// how many were queued. It pages past the ones this process already holds, so a backlog bigger than the queue
    /// is not hidden behind them.
    /// </summary>
    public async Task<int> SweepOnceAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var pageSize = options.CurrentValue.SweepBatchSize;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var queued = 0;
        (DateTimeOffset At, string Id)? after = null;
        while (queue.Room > 0)
        {
            var due = db.Deliveries.AsNoTracking()
                .Where(d => (d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
                    || (d.Status == DeliveryStatus.InFlight && d.LeaseExpiresAt <= now));
            if (after is var (afterAt, afterId))
            {
                due = due.Where(d => d.NextAttemptAt > afterAt || (d.NextAttemptAt == afterAt && string.Compare(d.Id, afterId) > 0));
            }
            var page = await due.OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id)
                .Select(d => new { d.Id, d.WebhookId, d.NextAttemptAt })
                .Take(pageSize)
                .ToListAsync(ct);
            queued += page.Count(d => !queue.IsHeld(d.Id) && queue.TryEnqueue(new DeliveryWork(d.Id, d.WebhookId)));
            if (page.Count < pageSize)
            {
                break;
            }
            after = (page[^1].NextAttemptAt, page[^1].Id);
        }
        if (queue.Room == 0)
        {
            queue.NoteBacklog(); // there may be more: sweep again as soon as there is room
        }
        if (queued > 0)
        {
            logger.LogDebug("The sweeper queued {Count} due deliveries", queued);
        }
        return queued;
    }
}
