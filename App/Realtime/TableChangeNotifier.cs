using System.Collections.Concurrent;

namespace Undb.Realtime;

public enum TableChangeKind { RecordsChanged, SchemaChanged, TableCreated, TableDeleted }

/// <summary>What changed in a table, published after the change committed.</summary>
public sealed record TableChange(string TableId, TableChangeKind Kind, IReadOnlyList<string> RecordIds, string? ActorId = null);

/// <summary>
/// In-process pub/sub for committed changes, used by open grids and the nav to refresh live.
/// Subscriptions are IDisposable; a handler that throws is logged and does not affect others.
/// (Several app instances would put a Redis or PostgreSQL backplane behind this same surface.)
/// </summary>
public sealed class TableChangeNotifier(ILogger<TableChangeNotifier> logger)
{
    private readonly ConcurrentDictionary<Guid, (string? TableId, Func<TableChange, Task> Handler)> _subscriptions = new();

    /// <summary>Subscribes to one table's changes.</summary>
    public IDisposable Subscribe(string tableId, Func<TableChange, Task> handler) => Add(tableId, handler);

    /// <summary>Subscribes to every table's changes (the nav listing tables).</summary>
    public IDisposable SubscribeAll(Func<TableChange, Task> handler) => Add(null, handler);

    public int SubscriberCount => _subscriptions.Count;

    public void Publish(TableChange change)
    {
        foreach (var (_, (tableId, handler)) in _subscriptions)
        {
            if (tableId is not null && tableId != change.TableId)
            {
                continue;
            }
            _ = InvokeAsync(handler, change);
        }
    }

    private async Task InvokeAsync(Func<TableChange, Task> handler, TableChange change)
    {
        try
        {
            await handler(change);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A subscriber to table {TableId} failed to handle a change", change.TableId);
        }
    }

    private Subscription Add(string? tableId, Func<TableChange, Task> handler)
    {
        var id = Guid.NewGuid();
        _subscriptions[id] = (tableId, handler);
        return new Subscription(this, id);
    }

    private sealed class Subscription(TableChangeNotifier owner, Guid id) : IDisposable
    {
        public void Dispose() => owner._subscriptions.TryRemove(id, out _);
    }
}
