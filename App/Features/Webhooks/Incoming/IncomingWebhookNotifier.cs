using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>
/// A request reached an incoming webhook: its stats changed, and <see cref="Payload"/> (when the body was valid JSON
/// from an authenticated sender) can serve as the mapping dialog's sample ("wait for a first request").
/// </summary>
public sealed record IncomingActivity(string WebhookId, string TableId, JsonNode? Payload);

/// <summary>In-process pub/sub for incoming-webhook activity, like <see cref="Realtime.TableChangeNotifier"/>: subscriptions are IDisposable.</summary>
public sealed class IncomingWebhookNotifier(ILogger<IncomingWebhookNotifier> logger)
{
    private readonly ConcurrentDictionary<Guid, (string TableId, Func<IncomingActivity, Task> Handler)> _subscriptions = new();

    /// <summary>Subscribes to the activity of every incoming webhook of one table.</summary>
    public IDisposable Subscribe(string tableId, Func<IncomingActivity, Task> handler)
    {
        var id = Guid.NewGuid();
        _subscriptions[id] = (tableId, handler);
        return new Subscription(this, id);
    }

    public void Publish(IncomingActivity activity)
    {
        foreach (var (_, (tableId, handler)) in _subscriptions)
        {
            if (tableId == activity.TableId)
            {
                _ = InvokeAsync(handler, activity);
            }
        }
    }

    private async Task InvokeAsync(Func<IncomingActivity, Task> handler, IncomingActivity activity)
    {
        try
        {
            await handler(activity);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A subscriber to incoming webhook {WebhookId} failed", activity.WebhookId);
        }
    }

    private sealed class Subscription(IncomingWebhookNotifier owner, Guid id) : IDisposable
    {
        public void Dispose() => owner._subscriptions.TryRemove(id, out _);
    }
}
