using System.Collections.Concurrent;

namespace Undb.Realtime;

/// <summary>
/// In-process pub/sub for committed events, keyed (by table, by webhook, …): open pages subscribe to one key or to
/// all, and refresh when an event arrives. Subscriptions are IDisposable; a handler that throws is logged and does
/// not affect the others. (Several app instances would put a Redis or PostgreSQL backplane behind this surface.)
/// </summary>
public abstract class KeyedNotifier<TEvent>(ILogger logger, Func<TEvent, string> keyOf)
{
    private readonly ConcurrentDictionary<Guid, (string? Key, Func<TEvent, Task> Handler)> _subscriptions = new();

    /// <summary>Subscribes to the events of one key.</summary>
    public IDisposable Subscribe(string key, Func<TEvent, Task> handler) => Add(key, handler);

    /// <summary>Subscribes to every event.</summary>
    public IDisposable SubscribeAll(Func<TEvent, Task> handler) => Add(null, handler);

    public int SubscriberCount => _subscriptions.Count;

    public void Publish(TEvent e)
    {
        var key = keyOf(e);
        foreach (var (_, (subscribed, handler)) in _subscriptions)
        {
            if (subscribed is null || subscribed == key)
            {
                _ = InvokeAsync(handler, e, key);
            }
        }
    }

    private async Task InvokeAsync(Func<TEvent, Task> handler, TEvent e, string key)
    {
        try
        {
            await handler(e);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A subscriber to {EventType} for {Key} failed to handle it", typeof(TEvent).Name, key);
        }
    }

    private Subscription Add(string? key, Func<TEvent, Task> handler)
    {
        var id = Guid.NewGuid();
        _subscriptions[id] = (key, handler);
        return new Subscription(this, id);
    }

    private sealed class Subscription(KeyedNotifier<TEvent> owner, Guid id) : IDisposable
    {
        public void Dispose() => owner._subscriptions.TryRemove(id, out _);
    }
}
