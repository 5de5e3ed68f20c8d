using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// Writes the outbox inside RecordService's transaction: a Delivery row for every enabled webhook on the table whose
/// events and condition match. After the commit the new ids wake the worker.
/// </summary>
internal sealed class OutboxSink(DeliveryQueue queue) : IRecordChangeSink
{
    public async ValueTask<Action?> OnChangesAsync(RecordWriteScope scope, ChangeBatch batch, CancellationToken ct)
    {
        var db = scope.Db;
        // Read once per table per transaction: a group commit runs many writes to the same table in one.
        var key = (typeof(OutboxSink), batch.Table.Id);
        if (scope.Items.GetValueOrDefault(key) is not List<WebhookEntity> webhooks)
        {
            webhooks = await db.Webhooks.AsNoTracking()
                .Where(w => w.TableId == batch.Table.Id && w.Enabled)
                .ToListAsync(ct);
            scope.Items[key] = webhooks;
        }
        if (webhooks.Count == 0)
        {
            return null;
        }

        var created = new List<DeliveryWork>();
        foreach (var webhook in webhooks)
        {
            var condition = ConditionMapper.Deserialize(webhook.ConditionJson);
            var matching = batch.Changes.Where(c => ConditionEvaluator.Matches(condition, c, batch.Table)).ToList();
            foreach (var change in matching)
            {
                var name = WebhookEvents.ForRecord(change.Kind);
                if (webhook.Events.Contains(name))
                {
                    created.Add(Add(db, webhook, batch, change.EventId, name, change.Record.Id, PayloadBuilder.ForRecord(batch, change)));
                }
            }
            // A bulk event covers the records that match the condition, and fires when at least one does.
            if (batch.BulkKind is { } bulk && matching.Count > 0 && webhook.Events.Contains(WebhookEvents.ForBulk(bulk)))
            {
                created.Add(Add(db, webhook, batch, batch.BulkEventId!, WebhookEvents.ForBulk(bulk), null, PayloadBuilder.ForBulk(batch, matching)));
            }
        }
        return created.Count == 0 ? null : () =>
        {
            foreach (var work in created)
            {
                queue.TryEnqueue(work);
            }
        };
    }

    private static DeliveryWork Add(AppDbContext db, WebhookEntity webhook, ChangeBatch batch, string eventId, string eventName, string? recordId, System.Text.Json.Nodes.JsonObject payload)
    {
        var delivery = new DeliveryEntity
        {
            Id = Ids.New(WebhookIds.Delivery, batch.At),
            WebhookId = webhook.Id,
            TableId = webhook.TableId,
            EventId = eventId,
            EventName = eventName,
            RecordId = recordId,
            Payload = PayloadBuilder.Serialize(payload),
            Status = DeliveryStatus.Pending,
            NextAttemptAt = batch.At,
            CreatedAt = batch.At,
            UpdatedAt = batch.At,
        };
        db.Deliveries.Add(delivery);
        return new DeliveryWork(delivery.Id, webhook.Id);
    }
}
