using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Undb.Data;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>What resuming a webhook does with the deliveries held while it was paused.</summary>
public enum HeldAction { Send, Discard }

/// <summary>
/// Deliveries held while a webhook is paused or disabled (<see cref="DeliveryStatus.Held"/>): pausing holds what was
/// still pending, resuming sends them oldest first (or cancels them, if the user says so), and the sweeper keeps at
/// most <c>Webhooks:MaxHeldPerWebhook</c> per webhook. Every query compares Status with the constant Held, so the
/// database answers it from the partial index of held deliveries, however long the rest of the history is.
/// </summary>
public sealed class HeldDeliveries(
    IDbContextFactory<AppDbContext> dbFactory,
    DataWriter writer,
    DeliveryQueue queue,
    DeliveryNotifier notifier,
    TimeProvider time,
    IOptionsMonitor<WebhooksOptions> options,
    ILogger<HeldDeliveries> logger)
{
    public const string DiscardedError = "Discarded when the webhook was resumed; never sent. Replay cancelled deliveries to send it after all.";

    /// <summary>
    /// Inside the write that changes the webhook (its session): what the webhook's new state means for its deliveries,
    /// in the same transaction. Pausing holds what is pending; resuming releases what is held (after the commit, the
    /// oldest go straight to the worker). On an engine with one writer at a time no record write commits in between;
    /// on one with row locks, a record write that read the webhook just before the change is reconciled later (the
    /// processor holds a pending delivery of a paused webhook; the sweeper sends held ones of an enabled webhook).
    /// Returns how many deliveries were released.
    /// </summary>
    public async Task<int> ApplyAsync(WriteSession session, string webhookId, bool? enabledNow, HeldAction action, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var db = session.Db;
        await session.SaveAsync(ct);
        if (enabledNow == false)
        {
            await HoldPendingAsync(db, webhookId, now, ct);
            return 0;
        }
        if (enabledNow != true)
        {
            return 0;
        }
        var released = await ReleaseAsync(db, webhookId, action, now, ct);
        session.AfterCommit(() => AfterRelease(webhookId, action, released));
        return released.Count;
    }

    /// <summary>How many deliveries each webhook holds (webhooks holding none are absent).</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountAsync(IReadOnlyCollection<string> webhookIds, CancellationToken ct = default)
    {
        if (webhookIds.Count == 0)
        {
            return new Dictionary<string, int>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Deliveries.AsNoTracking()
            .Where(d => d.Status == DeliveryStatus.Held && webhookIds.Contains(d.WebhookId))
            .GroupBy(d => d.WebhookId)
            .Select(g => new { WebhookId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.WebhookId, g => g.Count, ct);
    }

    /// <summary>
    /// The sweeper's pass: cancels the oldest held deliveries of a webhook beyond the cap (counted on the card), and
    /// sends held deliveries of a webhook that is enabled (a change that read the webhook as paused just before it
    /// was resumed, where writes are not serialised). Returns how many deliveries it cancelled.
    /// </summary>
    public async Task<int> EnforceAsync(CancellationToken ct)
    {
        var cap = options.CurrentValue.MaxHeldPerWebhook;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var webhooks = await db.Webhooks.AsNoTracking().Select(w => new { w.Id, w.Enabled }).ToListAsync(ct);
        var enabled = webhooks.Where(w => w.Enabled).Select(w => w.Id).ToList();
        if (enabled.Count > 0)
        {
            var late = await db.Deliveries.AsNoTracking()
                .Where(d => d.Status == DeliveryStatus.Held && enabled.Contains(d.WebhookId))
                .Select(d => d.WebhookId).Distinct().ToListAsync(ct);
            foreach (var webhookId in late)
            {
                await writer.WriteAsync(WriteKind.Bookkeeping, session => ApplyAsync(session, webhookId, enabledNow: true, HeldAction.Send, ct), ct);
            }
        }

        var cancelled = 0;
        foreach (var webhookId in webhooks.Where(w => !w.Enabled).Select(w => w.Id))
        {
            // The newest delivery beyond the cap, found by walking the held index backwards: no count of every row.
            var boundary = await db.Deliveries.AsNoTracking()
                .Where(d => d.Status == DeliveryStatus.Held && d.WebhookId == webhookId)
                .OrderByDescending(d => d.Id).Skip(cap).Select(d => d.Id).FirstOrDefaultAsync(ct);
            if (boundary is null)
            {
                continue;
            }
            var now = time.GetUtcNow();
            var error = $"Cancelled: more than {cap:N0} deliveries were held while the webhook was off, and this was one of the oldest.";
            var count = await writer.WriteAsync(WriteKind.Bookkeeping, async session =>
            {
                var count = await session.Db.Deliveries
                    .Where(d => d.Status == DeliveryStatus.Held && d.WebhookId == webhookId && string.Compare(d.Id, boundary) <= 0)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.Status, DeliveryStatus.Cancelled)
                        .SetProperty(d => d.CompletedAt, now)
                        .SetProperty(d => d.LastError, error)
                        .SetProperty(d => d.UpdatedAt, now), ct);
                await session.Db.Webhooks.Where(w => w.Id == webhookId)
                    .ExecuteUpdateAsync(s => s.SetProperty(w => w.HeldCancelled, w => w.HeldCancelled + count), ct);
                return count;
            }, ct);
            if (count > 0)
            {
                cancelled += count;
                logger.LogWarning("Webhook {WebhookId} held more than {Cap} deliveries; the oldest {Count} were cancelled", webhookId, cap, count);
                notifier.Publish(new DeliveryChange(webhookId, null, DeliveryStatus.Cancelled));
            }
        }
        return cancelled;
    }

    /// <summary>Pausing: what is still waiting to be sent waits for the resume instead (a send in progress finishes).</summary>
    private static Task<int> HoldPendingAsync(AppDbContext db, string webhookId, DateTimeOffset now, CancellationToken ct) =>
        db.Deliveries.Where(d => d.WebhookId == webhookId && d.Status == DeliveryStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Held).SetProperty(d => d.UpdatedAt, now), ct);

    /// <summary>The deliveries a resume released: how many, and the oldest ones, which fit the queue, to hand to the worker at once.</summary>
    private sealed record Released(int Count, IReadOnlyList<string> Queue, bool Ordered = false);

    /// <summary>
    /// Resuming. Sending makes every held delivery due now with a fresh retry schedule: the sweeper takes due
    /// deliveries by (NextAttemptAt, Id), and ids are in commit order, so one shared due time keeps commit order.
    /// Only while the webhook is enabled, checked in the same statement, so a pause that wins a race keeps them held.
    /// </summary>
    private async Task<Released> ReleaseAsync(AppDbContext db, string webhookId, HeldAction action, DateTimeOffset now, CancellationToken ct)
    {
        var held = db.Deliveries.Where(d => d.Status == DeliveryStatus.Held && d.WebhookId == webhookId);
        int count;
        List<string> first = [];
        if (action == HeldAction.Send)
        {
            first = await held.OrderBy(d => d.Id).Select(d => d.Id).Take(queue.Room).ToListAsync(ct);
            count = await held.Where(d => db.Webhooks.Any(w => w.Id == webhookId && w.Enabled))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.Status, DeliveryStatus.Pending)
                    .SetProperty(d => d.NextAttemptAt, now)
                    .SetProperty(d => d.RetryStep, 0)
                    .SetProperty(d => d.UpdatedAt, now), ct);
        }
        else
        {
            count = await held.ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.Cancelled)
                .SetProperty(d => d.CompletedAt, now)
                .SetProperty(d => d.LastError, DiscardedError)
                .SetProperty(d => d.UpdatedAt, now), ct);
        }
        // The count of what the cap cancelled starts afresh with the resume (not if a pause won the race above).
        await db.Webhooks.Where(w => w.Id == webhookId && w.Enabled && w.HeldCancelled != 0).ExecuteUpdateAsync(s => s.SetProperty(w => w.HeldCancelled, 0), ct);
        // An ordered webhook is woken once and sends its line head first; its deliveries are never queued one by one.
        var ordered = count > 0 && action == HeldAction.Send && await db.Webhooks.Where(w => w.Id == webhookId).Select(w => w.Ordered).FirstOrDefaultAsync(ct);
        return new Released(count, count == 0 ? [] : ordered ? first.Take(1).ToList() : first, ordered);
    }

    /// <summary>After the commit: the oldest released deliveries go to the worker in commit order; the sweeper brings the rest.</summary>
    private void AfterRelease(string webhookId, HeldAction action, Released released)
    {
        var queued = 0;
        foreach (var deliveryId in released.Queue)
        {
            if (queue.TryEnqueue(new DeliveryWork(deliveryId, webhookId, Ordered: released.Ordered)))
            {
                queued++;
            }
        }
        if (action == HeldAction.Send && !released.Ordered && queued < released.Count)
        {
            queue.NoteBacklog();
        }
        if (released.Count > 0)
        {
            notifier.Publish(new DeliveryChange(webhookId, null, action == HeldAction.Send ? DeliveryStatus.Pending : DeliveryStatus.Cancelled));
        }
    }
}
