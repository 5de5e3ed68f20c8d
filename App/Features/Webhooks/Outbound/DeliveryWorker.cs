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
    WebhookMetrics metrics,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _lanes = new();
    private readonly SemaphoreSlim _global = new(options.CurrentValue.MaxConcurrentDeliveries);
    private long _lastBeat;

    /// <summary>When the sweeper last started a round (whether or not it succeeded): the worker's heartbeat, for the health check.</summary>
    public DateTimeOffset? LastBeatAt => Interlocked.Read(ref _lastBeat) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    private readonly ConcurrentDictionary<string, OrderedRun> _ordered = new();

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
        if (work.Ordered)
        {
            try
            {
                await RunOrderedAsync(work.WebhookId, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                // What was in hand stays in the database; the sweeper wakes the webhook again when its lease runs out.
                logger.LogError(ex, "Ordered delivery for webhook {WebhookId} failed unexpectedly", work.WebhookId);
            }
            finally
            {
                queue.Release(work.DeliveryId);
            }
            return;
        }
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

    /// <summary>
    /// An ordered webhook is woken, not sent to: one loop per webhook (in this process) sends the head of its line,
    /// then the next, until the line is empty or its head is not due (a retry later, or in another instance's hands).
    /// A wake while the loop runs makes it look once more, so no delivery waits for the next sweep.
    /// </summary>
    private async Task RunOrderedAsync(string webhookId, CancellationToken ct)
    {
        var run = _ordered.GetOrAdd(webhookId, _ => new OrderedRun());
        if (Interlocked.Increment(ref run.Wakes) > 1)
        {
            return;
        }
        try
        {
            do
            {
                Volatile.Write(ref run.Wakes, 1);
                while (await SendHeadAsync(webhookId, ct))
                {
                }
            }
            while (Interlocked.CompareExchange(ref run.Wakes, 0, 1) != 1);
        }
        catch
        {
            Volatile.Write(ref run.Wakes, 0);
            throw;
        }
    }

    /// <summary>Sends the head of an ordered webhook's line if it is due and free; false when there is nothing to send now.</summary>
    private async Task<bool> SendHeadAsync(string webhookId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var head = await db.Deliveries.AsNoTracking()
                .Where(d => d.WebhookId == webhookId && d.Sequence != null && (d.Status == DeliveryStatus.Pending || d.Status == DeliveryStatus.InFlight))
                .OrderBy(d => d.Sequence)
                .Select(d => new { d.Id, d.Status, d.NextAttemptAt, d.LeaseExpiresAt })
                .FirstOrDefaultAsync(ct);
            if (head is null || (head.Status == DeliveryStatus.Pending ? head.NextAttemptAt > now : head.LeaseExpiresAt > now))
            {
                return false;
            }
            await _global.WaitAsync(ct);
            var held = 1;
            void ReleaseSlot()
            {
                if (Interlocked.Exchange(ref held, 0) == 1)
                {
                    _global.Release();
                }
            }
            try
            {
                await processor.ProcessAsync(new DeliveryWork(head.Id, webhookId, Ordered: true), ReleaseSlot, ct);
            }
            finally
            {
                ReleaseSlot();
            }
        }
        return true;
    }

    private sealed class OrderedRun
    {
        public int Wakes;
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
                await metrics.RefreshStateAsync(dbFactory, time.GetUtcNow(), ct);
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
    /// Deliveries due, or held under a lease that has run out: what the sweeper queues. Each half compares Status with a
    /// constant, so the database can serve it from its index (the lease half from the partial <c>IX_Deliveries_Leases</c>).
    /// </summary>
    internal static IQueryable<DeliveryEntity> Claimable(IQueryable<DeliveryEntity> deliveries, DateTimeOffset now) =>
        deliveries.Where(d => (d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
            || (d.Status == DeliveryStatus.InFlight && d.LeaseExpiresAt <= now));

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
            var due = Claimable(db.Deliveries.AsNoTracking(), now);
            if (after is var (afterAt, afterId))
            {
                due = due.Where(d => d.NextAttemptAt > afterAt || (d.NextAttemptAt == afterAt && string.Compare(d.Id, afterId) > 0));
            }
            var page = await due.OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id)
                .Select(d => new { d.Id, d.WebhookId, d.NextAttemptAt, Ordered = d.Sequence != null })
                .Take(pageSize)
                .ToListAsync(ct);
            queued += page.Count(d => !queue.IsHeld(d.Id) && queue.TryEnqueue(new DeliveryWork(d.Id, d.WebhookId, Ordered: d.Ordered)));
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
