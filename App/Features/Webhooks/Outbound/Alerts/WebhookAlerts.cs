using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Infrastructure;
using Undb.Realtime;

namespace Undb.Features.Webhooks.Outbound.Alerts;

/// <summary>A notification was raised, or the member <see cref="SeenBy"/> marked theirs seen (their other tabs follow).</summary>
public sealed record NotificationChange(string? NotificationId, string? SeenBy = null);

/// <summary>Notifications for the bell, on every instance.</summary>
public sealed class NotificationNotifier(ILogger<NotificationNotifier> logger, INotifierBackplane? backplane = null)
    : KeyedNotifier<NotificationChange>(logger, _ => "workspace", backplane);

/// <summary>
/// Raises an alert when a webhook is auto-disabled or starts failing (<c>Webhooks:AlertAfterFailures</c> failed
/// attempts in a row), inside the transaction that settled the attempt that caused it: an in-app notification for
/// the admins' bell, and a signed <c>webhook.disabled</c> / <c>webhook.failing</c> event to every enabled workspace
/// webhook that subscribed to it (the workspace's "alert URL"), through the outbox like any other delivery, so it is
/// retried, kept in a history and never lost. A webhook never alerts about itself.
/// </summary>
public sealed class WebhookAlerts(DeliveryQueue queue, NotificationNotifier notifier, TimeProvider time)
{
    public const string IdPrefix = "ntf";

    /// <summary>The body of a <c>webhook.disabled</c> / <c>webhook.failing</c> event (also the event catalog's example).</summary>
    public static JsonObject Payload(string eventId, string kind, DateTimeOffset at, string webhookId, string webhookName, string? tableId, string url,
        string message, DateTimeOffset? failingSince, int consecutiveFailures) => new()
    {
        ["id"] = eventId,
        ["operatorId"] = null,
        ["name"] = kind,
        ["timestamp"] = UtcDateTimeOffsetConverter.Text(at),
        ["event"] = new JsonObject
        {
            ["webhookId"] = webhookId,
            ["webhookName"] = webhookName,
            ["tableId"] = tableId,
            ["url"] = url,
            ["message"] = message,
            ["failingSince"] = failingSince is { } since ? UtcDateTimeOffsetConverter.Text(since) : null,
            ["consecutiveFailures"] = consecutiveFailures,
        },
    };

    /// <summary>Writes the alert in <paramref name="session"/>; the notification and the deliveries go out after its commit.</summary>
    public async Task RaiseAsync(WriteSession session, string kind, string webhookId, string message, CancellationToken ct)
    {
        var db = session.Db;
        var webhook = await db.Webhooks.AsNoTracking().Where(w => w.Id == webhookId)
            .Select(w => new { w.Id, w.Name, w.TableId, w.Url, w.FailingSince, w.ConsecutiveFailures, w.DisabledReason })
            .FirstOrDefaultAsync(ct);
        if (webhook is null)
        {
            return;
        }
        var now = time.GetUtcNow();
        var notification = new NotificationEntity
        {
            Id = Ids.New(IdPrefix, now),
            Kind = kind,
            WebhookId = webhook.Id,
            WebhookName = webhook.Name,
            Message = message.Length > 1200 ? message[..1200] : message,
            CreatedAt = now,
        };
        session.Add(notification);

        // Workspace webhooks are few; their events are a JSON column, so they are matched here.
        var subscribers = (await db.Webhooks.AsNoTracking().Where(w => w.TableId == null && w.Enabled && w.Id != webhookId).ToListAsync(ct))
            .Where(w => w.Events.Contains(kind))
            .ToList();
        var work = new List<DeliveryWork>();
        var eventId = Ids.New(Ids.Event, now);
        foreach (var subscriber in subscribers)
        {
            var payload = Payload(eventId, kind, now, webhook.Id, webhook.Name, webhook.TableId, webhook.Url, notification.Message, webhook.FailingSince, webhook.ConsecutiveFailures);
            var delivery = new DeliveryEntity
            {
                Id = Ids.New(WebhookIds.Delivery, now),
                WebhookId = subscriber.Id,
                // An alert is about a webhook, not a table's records: it is filed under the failing webhook's table, or
                // (for a workspace webhook) under none.
                TableId = webhook.TableId ?? "",
                EventId = eventId,
                EventName = kind,
                Payload = PayloadBuilder.Serialize(payload),
                Status = DeliveryStatus.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
                UpdatedAt = now,
            };
            session.Add(delivery);
            work.Add(new DeliveryWork(delivery.Id, subscriber.Id));
        }
        session.AfterCommit(() =>
        {
            foreach (var w in work)
            {
                queue.TryEnqueue(w);
            }
            notifier.Publish(new NotificationChange(notification.Id));
        });
    }
}
