using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Undb.Data.Sqlite;

/// <summary>
/// The seam's net for writes that arrive through a bare <c>SaveChanges</c> rather than a <see cref="DataWriter"/>
/// session: ASP.NET Core Identity's stores save through the scoped context. Outside a transaction, such a save takes
/// the write gate for its duration, so it queues with every other writer instead of meeting SQLITE_BUSY.
/// (A save inside a transaction belongs to a session that holds the gate already.)
/// </summary>
public sealed class SqliteWriteInterceptor(DatabaseWriteGate gate) : SaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbContext, Turn> _turns = new();

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } db && db.Database.CurrentTransaction is null)
        {
            _turns.AddOrUpdate(db, new Turn(await gate.EnterAsync(WritePriority.Normal, cancellationToken)));
        }
        return result;
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is { } db && db.Database.CurrentTransaction is null)
        {
            _turns.AddOrUpdate(db, new Turn(gate.EnterAsync(WritePriority.Normal).AsTask().GetAwaiter().GetResult()));
        }
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        End(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        End(eventData.Context);
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => End(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        End(eventData.Context);
        return Task.CompletedTask;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => End(eventData.Context);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        End(eventData.Context);
        return Task.CompletedTask;
    }

    private void End(DbContext? db)
    {
        if (db is not null && _turns.TryGetValue(db, out var turn))
        {
            _turns.Remove(db);
            turn.Releaser.Dispose();
        }
    }

    private sealed record Turn(DatabaseWriteGate.Releaser Releaser);
}
