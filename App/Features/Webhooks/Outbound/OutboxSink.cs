using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// Writes the outbox inside RecordService's transaction: a Delivery row for every webhook on the table (or on the whole
/// workspace, unless it leaves this table out) whose events
/// and condition match. After the commit the new deliveries go to the worker. A paused (or auto-disabled) webhook's
/// deliveries are written <see cref="DeliveryStatus.Held"/>: never claimed or queued, sent only once it is resumed
/// (<see cref="HeldDeliveries"/>), so pausing loses nothing. Their cap is enforced by the sweeper, not here.
/// While the delivery queue has room, a new delivery is written already claimed by this process (its payload and
/// webhook are in hand), so the worker sends it without a claim round trip; the claim is an ordinary lease, so if
/// this process dies first, the delivery is sent by whoever sweeps after it (at once, if that is this instance restarted).
/// </summary>
internal sealed class OutboxSink(DeliveryQueue queue, DeliveryStore store, WebhookVersions versions, IOptionsMonitor<WebhooksOptions> options) : IRecordChangeSink
{
    public async ValueTask<Action?> OnChangesAsync(WriteSession scope, ChangeBatch batch, CancellationToken ct)
    {
        var db = scope.Db;
        // Read once per table per transaction: a group commit runs many writes to the same table in one.
        var key = (typeof(OutboxSink), batch.Table.Id);
        if (scope.Items.GetValueOrDefault(key) is not TableWebhooks read)
        {
            var readAt = versions.Now; // before the read: a change published after this is noticed by the worker
            // The table's own webhooks and the workspace ones (TableId null) that do not leave it out.
            var tableId = batch.Table.Id;
            var all = await db.Webhooks.AsNoTracking()
                .Where(w => w.TableId == tableId || w.TableId == null)
                .ToListAsync(ct);
            all.RemoveAll(w => w.TableId is null && w.ExcludedTableIds.Contains(tableId));
            scope.Items[key] = read = new TableWebhooks(all, readAt);
        }
        var webhooks = read.Webhooks;
        if (webhooks.Count == 0)
        {
            return null;
        }

        var claims = Claims(scope);
        var created = new List<DeliveryWork>();
        foreach (var webhook in webhooks)
        {
            var condition = ConditionMapper.Deserialize(webhook.ConditionJson);
            var matching = batch.Changes.Where(c => ConditionEvaluator.Matches(condition, c, batch.Table, batch.Actor)).ToList();
            var events = new List<(string EventId, string Name, string? RecordId, JsonObject Payload)>();
            foreach (var change in matching)
            {
                var name = WebhookEvents.ForRecord(change.Kind);
                if (webhook.Events.Contains(name))
                {
                    events.Add((change.EventId, name, change.Record.Id, PayloadBuilder.ForRecord(batch, change)));
                }
            }
            // A bulk event covers the records that match the condition, and fires when at least one does.
            if (batch.BulkKind is { } bulk && matching.Count > 0 && webhook.Events.Contains(WebhookEvents.ForBulk(bulk)))
            {
                events.Add((batch.BulkEventId!, WebhookEvents.ForBulk(bulk), null, PayloadBuilder.ForBulk(batch, matching)));
            }
            if (events.Count == 0)
            {
                continue;
            }
            var sequence = webhook.Ordered ? await TakeSequencesAsync(db, webhook.Id, events.Count, ct) : (long?)null;
            foreach (var (eventId, name, recordId, payload) in events)
            {
                var current = sequence;
                if (current is { } number)
                {
                    payload["sequence"] = number;
                    sequence = number + 1;
                }
                if (Add(scope, webhook, batch, eventId, name, recordId, payload, current, claims, read.ReadAt) is { } work)
                {
                    created.Add(work);
                }
            }
        }
        return created.Count == 0 ? null : () => Enqueue(created);
    }

    /// <summary>
    /// Reserves <paramref name="count"/> consecutive sequence numbers of an ordered webhook; returns the first. The
    /// update locks the webhook's row until the commit (PostgreSQL; SQLite has one writer anyway), so numbers follow
    /// commit order and have no gaps.
    /// </summary>
    private static async Task<long> TakeSequencesAsync(AppDbContext db, string webhookId, int count, CancellationToken ct)
    {
        var webhooks = db.Webhooks.Where(w => w.Id == webhookId);
        await webhooks.ExecuteUpdateAsync(s => s.SetProperty(w => w.LastSequence, w => w.LastSequence + count), ct);
        return await webhooks.Select(w => w.LastSequence).FirstAsync(ct) - count + 1;
    }

    /// <summary>After the commit. A claimed delivery the queue turns away after all is handed back at once for the sweeper.</summary>
    private void Enqueue(List<DeliveryWork> created)
    {
        List<DeliveryWork>? turnedAway = null;
        foreach (var work in created)
        {
            if (!queue.TryEnqueue(work) && work.Claim is not null)
            {
                (turnedAway ??= []).Add(work);
            }
        }
        if (turnedAway is not null)
        {
            _ = store.ReleaseAsync(turnedAway.Select(w => w.Claim!.Delivery).ToList());
        }
    }

    /// <summary>The transaction's claims: one lease token, and how many more deliveries the queue can take.</summary>
    private ClaimBudget Claims(WriteSession scope)
    {
        if (scope.Items.GetValueOrDefault(typeof(ClaimBudget)) is not ClaimBudget budget)
        {
            scope.Items[typeof(ClaimBudget)] = budget = new ClaimBudget(store.NewLeaseToken(), queue.Room);
        }
        return budget;
    }

    /// <summary>Writes the delivery; returns the work for the worker, or null when it is held.</summary>
    private DeliveryWork? Add(WriteSession scope, WebhookEntity webhook, ChangeBatch batch, string eventId, string eventName, string? recordId, JsonObject payload, long? sequence, ClaimBudget claims, long readAt)
    {
        var delivery = new DeliveryEntity
        {
            Id = Ids.New(WebhookIds.Delivery, batch.At),
            WebhookId = webhook.Id,
            TableId = batch.Table.Id,
            EventId = eventId,
            EventName = eventName,
            RecordId = recordId,
            Payload = PayloadBuilder.Serialize(payload),
            Sequence = sequence,
            TraceParent = batch.TraceParent,
            Status = webhook.Enabled ? DeliveryStatus.Pending : DeliveryStatus.Held,
            NextAttemptAt = batch.At,
            CreatedAt = batch.At,
            UpdatedAt = batch.At,
        };
        if (!webhook.Enabled)
        {
            scope.Add(delivery);
            return null;
        }
        if (webhook.Ordered)
        {
            // Not pre-claimed: the worker sends an ordered webhook's deliveries from the head of its line.
            scope.Add(delivery);
            return new DeliveryWork(delivery.Id, webhook.Id, Ordered: true);
        }
        PreClaim? claim = null;
        if (claims.Room > 0)
        {
            claims.Room--;
            delivery.Status = DeliveryStatus.InFlight;
            delivery.LeaseToken = claims.Token;
            delivery.LeaseExpiresAt = batch.At + options.CurrentValue.LeaseDuration;
            claim = new PreClaim(delivery, webhook, readAt);
        }
        scope.Add(delivery);
        return new DeliveryWork(delivery.Id, webhook.Id, claim);
    }

    private sealed record TableWebhooks(List<WebhookEntity> Webhooks, long ReadAt);

    private sealed class ClaimBudget(string token, int room)
    {
        public string Token { get; } = token;

        public int Room { get; set; } = room;
    }
}
