using System.Collections.Concurrent;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>A delivery changed status (or a webhook was disabled): what a history page needs to refresh.</summary>
public sealed record DeliveryChange(string WebhookId, string? DeliveryId, DeliveryStatus? Status, bool WebhookChanged = false);

/// <summary>
/// In-process pub/sub for delivery progress, like <c>TableChangeNotifier</c>: subscriptions are IDisposable and a
/// handler that throws is logged without affecting others.
/// </summary>
public sealed class DeliveryNotifier(ILogger<DeliveryNotifier> logger)
{
    private readonly ConcurrentDictionary<Guid, (string? WebhookId, Func<DeliveryChange, Task> Handler)> _subscriptions = new();

    /// <summary>Subscribes to one webhook's deliveries.</summary>
    public IDisposable Subscribe(string webhookId, Func<DeliveryChange, Task> handler) => Add(webhookId, handler);

    /// <summary>Subscribes to every webhook's deliveries.</summary>
    public IDisposable SubscribeAll(Func<DeliveryChange, Task> handler) => Add(null, handler);

    public void Publish(DeliveryChange change)
    {
        foreach (var (_, (webhookId, handler)) in _subscriptions)
        {
            if (webhookId is null || webhookId == change.WebhookId)
            {
                _ = InvokeAsync(handler, change);
            }
        }
    }

    private async Task InvokeAsync(Func<DeliveryChange, Task> handler, DeliveryChange change)
    {
        try
        {
            await handler(change);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A subscriber to webhook {WebhookId} failed to handle a delivery change", change.WebhookId);
        }
    }

    private Subscription Add(string? webhookId, Func<DeliveryChange, Task> handler)
    {
        var id = Guid.NewGuid();
        _subscriptions[id] = (webhookId, handler);
        return new Subscription(this, id);
    }

    private sealed class Subscription(DeliveryNotifier owner, Guid id) : IDisposable
    {
        public void Dispose() => owner._subscriptions.TryRemove(id, out _);
    }
}
