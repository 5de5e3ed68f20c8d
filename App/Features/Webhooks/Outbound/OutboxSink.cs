using System.Collections.Concurrent;
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
internal sealed class OutboxSink(DeliveryQueue queue, DeliveryStore store, WebhookVersions versions, DeliveryNotifier notifier, IOptionsMonitor<WebhooksOptions> options) : IRecordChangeSink
{
    /// <summary>Per table, the last webhooks read and the sink settings count they were read under.</summary>
    private readonly ConcurrentDictionary<string, TableWebhooks> _kept = new(StringComparer.Ordinal);

    public async ValueTask<Action?> OnChangesAsync(WriteSession scope, ChangeBatch batch, CancellationToken ct)
    {
        var db = scope.Db;
        var read = await WebhooksOfAsync(scope, batch.Table, ct);
        var webhooks = read.Webhooks;
        if (webhooks.Count == 0)
        {
            return null;
        }

        var claims = Claims(scope);
        var created = new List<DeliveryWork>();
        List<string>? holding = null;
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
            if (!webhook.Enabled)
            {
                (holding ??= []).Add(webhook.Id);
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
        if (holding is null)
        {
            return created.Count == 0 ? null : () => Enqueue(created);
        }
        return () =>
        {
            Enqueue(created);
            // Held ones are never settled while the webhook is off: their history and held count hear of them here.
            foreach (var webhookId in holding)
            {
                notifier.Publish(new DeliveryChange(webhookId, null, DeliveryStatus.Held));
            }
        };
    }

    /// <summary>
    /// The webhooks that cover the table: its own and the workspace ones (TableId null) that do not leave it out. Read
    /// from the database only when the sink settings count (<see cref="TableSnapshot.SinkSettingsVersion"/>, read with
    /// the table at the start of this transaction) has moved since the last read of this table, on this or any
    /// instance: every webhook change counts itself (<see cref="WebhookSettings.Changed"/>), so a kept list is what a
    /// read would return now. That saves a round trip per record transaction (docs/benchmarks.md).
    /// </summary>
    private async Task<TableWebhooks> WebhooksOfAsync(WriteSession scope, TableSnapshot table, CancellationToken ct)
    {
        if (_kept.TryGetValue(table.Id, out var kept) && kept.Version == table.SinkSettingsVersion)
        {
            return kept;
        }
        // Read once per table per transaction: a group commit runs many writes to the same table in one.
        var key = (typeof(OutboxSink), table.Id);
        if (scope.Items.GetValueOrDefault(key) is TableWebhooks read)
        {
            return read;
        }
        var readAt = versions.Now; // before the read: a change published after this is noticed by the worker
        var tableId = table.Id;
        var all = await scope.Db.Webhooks.AsNoTracking()
            .Where(w => w.TableId == tableId || w.TableId == null)
            .ToListAsync(ct);
        all.RemoveAll(w => w.TableId is null && w.ExcludedTableIds.Contains(tableId));
        // Read after the count, so it holds at least what the count covers; kept under that count, never a later one.
        scope.Items[key] = read = new TableWebhooks(all, readAt, table.SinkSettingsVersion);
        _kept[tableId] = read;
        return read;
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

    /// <summary>What a transaction read for a table, with the count it read it under. Shared: never changed once read.</summary>
    private sealed record TableWebhooks(List<WebhookEntity> Webhooks, long ReadAt, long Version);

    private sealed class ClaimBudget(string token, int room)
    {
        public string Token { get; } = token;

        public int Room { get; set; } = room;
    }
}
