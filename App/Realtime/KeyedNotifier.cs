using System.Collections.Concurrent;
using System.Text.Json;

namespace Undb.Realtime;

/// <summary>
/// In-process pub/sub for committed events, keyed (by table, by webhook, …): open pages subscribe to one key or to
/// all, and refresh when an event arrives. Subscriptions are IDisposable; a handler that throws is logged and does
/// not affect the others. With several app instances, a <see cref="INotifierBackplane"/> carries each event to the
/// others, where it is published to their subscribers as if it had happened there.
/// </summary>
public abstract class KeyedNotifier<TEvent> : IDisposable
{
    private readonly ConcurrentDictionary<Guid, (string? Key, Func<TEvent, Task> Handler)> _subscriptions = new();
    private readonly ILogger _logger;
    private readonly Func<TEvent, string> _keyOf;
    private readonly INotifierBackplane _backplane;
    private readonly string _topic;
    private readonly IDisposable _listening;

    protected KeyedNotifier(ILogger logger, Func<TEvent, string> keyOf, INotifierBackplane? backplane = null)
    {
        _logger = logger;
        _keyOf = keyOf;
        _backplane = backplane ?? LocalOnlyBackplane.Instance;
        _topic = typeof(TEvent).Name;
        _listening = _backplane.Listen(_topic, OnRemote);
    }

    /// <summary>Subscribes to the events of one key.</summary>
    public IDisposable Subscribe(string key, Func<TEvent, Task> handler) => Add(key, handler);

    /// <summary>Subscribes to every event.</summary>
    public IDisposable SubscribeAll(Func<TEvent, Task> handler) => Add(null, handler);

    public int SubscriberCount => _subscriptions.Count;

    /// <summary>Publishes a committed event here and, through the backplane, on every other instance.</summary>
    public void Publish(TEvent e)
    {
        PublishHere(e);
        if (_backplane is not LocalOnlyBackplane)
        {
            _backplane.Send(_topic, JsonSerializer.Serialize(ForOtherInstances(e)));
        }
    }

    /// <summary>
    /// The event as it travels to other instances. Messages are small (PostgreSQL's limit is 8,000 bytes): an event
    /// that carries a long list or a body sends a shorter form that still says what changed.
    /// </summary>
    protected virtual TEvent ForOtherInstances(TEvent e) => e;

    private void OnRemote(string message)
    {
        try
        {
            if (JsonSerializer.Deserialize<TEvent>(message) is { } e)
            {
                PublishHere(e);
            }
        }
        catch (JsonException ex)
        {
            _logger.LogWarning(ex, "Ignored a {EventType} from another instance that could not be read", typeof(TEvent).Name);
        }
    }

    private void PublishHere(TEvent e)
    {
        var key = _keyOf(e);
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
            _logger.LogWarning(ex, "A subscriber to {EventType} for {Key} failed to handle it", typeof(TEvent).Name, key);
        }
    }

    private Subscription Add(string? key, Func<TEvent, Task> handler)
    {
        var id = Guid.NewGuid();
        _subscriptions[id] = (key, handler);
        return new Subscription(this, id);
    }

    public void Dispose() => _listening.Dispose();

    private sealed class Subscription(KeyedNotifier<TEvent> owner, Guid id) : IDisposable
    {
        public void Dispose() => owner._subscriptions.TryRemove(id, out _);
    }
}
