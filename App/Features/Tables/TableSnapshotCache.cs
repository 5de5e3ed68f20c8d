using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Realtime;

namespace Undb.Features.Tables;

/// <summary>
/// Table snapshots for hot paths that read a table's fields outside the write transaction: an incoming webhook maps
/// every request against them. It is not a source of truth: <see cref="RecordService"/> reads the table again inside
/// its transaction and validates every value against that, so a stale entry can at worst make a mapping reject or
/// miss a field, never write against the wrong schema.
/// An entry is dropped when a schema change is published on <see cref="TableChangeNotifier"/> (which is where a
/// backplane would bring another instance's changes), and in any case after <see cref="MaxAge"/>.
/// Snapshots handed out are shared: callers must not change them.
/// </summary>
public sealed class TableSnapshotCache : IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly TimeProvider _time;
    private readonly IDisposable _subscription;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _generation;

    public TableSnapshotCache(IDbContextFactory<AppDbContext> dbFactory, TableChangeNotifier notifier, TimeProvider time)
    {
        _dbFactory = dbFactory;
        _time = time;
        _subscription = notifier.SubscribeAll(change =>
        {
            if (change.Kind is not TableChangeKind.RecordsChanged)
            {
                Invalidate(change.TableId);
            }
            return Task.CompletedTask;
        });
    }

    /// <summary>The table, from the cache when it is fresh; null (and not cached) when there is no such table.</summary>
    public async Task<TableSnapshot?> GetAsync(string tableId, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        if (_entries.TryGetValue(tableId, out var entry) && now - entry.LoadedAt < MaxAge)
        {
            return entry.Table;
        }
        // A change published while this load runs may not be in what it reads: then the result is used once, not kept.
        var generation = Interlocked.Read(ref _generation);
        TableSnapshot? table;
        await using (var db = await _dbFactory.CreateDbContextAsync(ct))
        {
            table = await TableQueries.LoadSnapshotAsync(db, tableId, ct);
        }
        if (table is null)
        {
            _entries.TryRemove(tableId, out _);
        }
        else if (Interlocked.Read(ref _generation) == generation)
        {
            _entries[tableId] = new Entry(table, now);
        }
        return table;
    }

    public void Invalidate(string tableId)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(tableId, out _);
    }

    public void Dispose() => _subscription.Dispose();

    private sealed record Entry(TableSnapshot Table, DateTimeOffset LoadedAt);
}
