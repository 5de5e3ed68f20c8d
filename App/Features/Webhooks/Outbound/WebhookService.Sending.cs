using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>Sending by hand: a test event, one delivery again, a webhook's failed deliveries since a time.</summary>
public sealed partial class WebhookService
{
    /// <summary>Sends a sample <c>webhook.test</c> event now (whether or not the webhook is enabled) and returns the attempt.</summary>
    public async Task<DeliveryAttemptEntity> SendTestAsync(string id, string? actorId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var webhook = await RequireAsync(db, id, ct);
        var table = await TestTableAsync(webhook, ct);
        var now = time.GetUtcNow();
        var eventId = Ids.New(Ids.Event, now);
        var payload = PayloadBuilder.ForTest(eventId, table, await users.GetAsync(actorId, ct), now);
        var delivery = new DeliveryEntity
        {
            Id = Ids.New(WebhookIds.Delivery, now),
            WebhookId = webhook.Id,
            TableId = table.Id,
            EventId = eventId,
            EventName = WebhookEvents.Test,
            Payload = PayloadBuilder.Serialize(payload),
            Status = DeliveryStatus.Failed,
            NextAttemptAt = now,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await writer.WriteAsync(s =>
        {
            s.Db.Deliveries.Add(delivery);
            return Task.CompletedTask;
        }, ct);
        return await processor.SendNowAsync(delivery.Id, AttemptTrigger.Test, ct);
    }

    /// <summary>Sends one delivery again now, whatever its status (except held), and returns the attempt.</summary>
    public async Task<DeliveryAttemptEntity> RedeliverAsync(string deliveryId, CancellationToken ct = default)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // Held ones go out with the others, in order, when the webhook is resumed; one sent alone would jump the queue.
            if (await db.Deliveries.AnyAsync(d => d.Id == deliveryId && d.Status == DeliveryStatus.Held, ct))
            {
                throw new BadRequestException("This delivery is held while the webhook is off. Resume the webhook to send it with the others, oldest first.");
            }
        }
        return await processor.SendNowAsync(deliveryId, AttemptTrigger.Manual, ct);
    }

    /// <summary>Queues again the webhook's failed (or cancelled) deliveries created since a time; returns how many.</summary>
    public async Task<int> ReplayAsync(string id, DateTimeOffset? since, DeliveryStatus? status, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        if (since is null)
        {
            errors["since"] = ["Give the time to replay from, e.g. \"2026-11-22T00:00:00Z\"."];
        }
        var which = status ?? DeliveryStatus.Failed;
        if (which is not (DeliveryStatus.Failed or DeliveryStatus.Cancelled))
        {
            errors["status"] = ["Only failed or cancelled deliveries can be replayed."];
        }
        WebhookRules.ThrowIfAny(errors, "The replay request is not valid.", StatusCodes.Status400BadRequest);

        var (ids, count) = await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            await RequireAsync(db, id, ct);
            var now = time.GetUtcNow();
            var matching = db.Deliveries.Where(d => d.WebhookId == id && d.Status == which && d.CreatedAt >= since!.Value && d.EventName != WebhookEvents.Test);
            var ids = await matching.Select(d => d.Id).ToListAsync(ct);
            var count = await matching.ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.Pending)
                .SetProperty(d => d.NextAttemptAt, now)
                .SetProperty(d => d.RetryStep, 0)
                .SetProperty(d => d.CompletedAt, (DateTimeOffset?)null)
                .SetProperty(d => d.UpdatedAt, now), ct);
            return (ids, count);
        }, ct);
        foreach (var deliveryId in ids)
        {
            queue.TryEnqueue(new DeliveryWork(deliveryId, id));
        }
        notifier.Publish(new DeliveryChange(id, null, DeliveryStatus.Pending));
        return count;
    }

    /// <summary>The table a test event names: the webhook's own, or for a workspace webhook the first it covers.</summary>
    private async Task<TableSnapshot> TestTableAsync(WebhookEntity webhook, CancellationToken ct)
    {
        if (webhook.TableId is not null)
        {
            return await RequireTableAsync(webhook.TableId, ct);
        }
        return (await tables.ListAsync(ct)).FirstOrDefault(t => !webhook.ExcludedTableIds.Contains(t.Id))
            ?? throw new BadRequestException("This workspace webhook covers no table yet; create a table (or include one) to send a test event.");
    }
}
