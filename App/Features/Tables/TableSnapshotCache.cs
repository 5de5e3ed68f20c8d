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
    private readonly ReadThroughCache<TableSnapshot> _cache;
    private readonly IDisposable _subscription;

    public TableSnapshotCache(IDbContextFactory<AppDbContext> dbFactory, TableChangeNotifier notifier, TimeProvider time)
    {
        _dbFactory = dbFactory;
        _cache = new ReadThroughCache<TableSnapshot>(time, MaxAge);
        _subscription = notifier.SubscribeAll(change =>
        {
            if (change.Kind is not TableChangeKind.RecordsChanged)
            {
                _cache.Invalidate(change.TableId);
            }
            return Task.CompletedTask;
        });
    }

    /// <summary>The table, from the cache when it is fresh; null (and not cached) when there is no such table.</summary>
    public Task<TableSnapshot?> GetAsync(string tableId, CancellationToken ct = default) =>
        _cache.GetAsync(tableId, async ct =>
        {
            await using var db = await _dbFactory.CreateDbContextAsync(ct);
            return await TableQueries.LoadSnapshotAsync(db, tableId, ct);
        }, ct);

    public void Dispose() => _subscription.Dispose();
}
