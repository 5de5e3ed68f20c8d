using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Tests.TestSupport;

/// <summary>One call of the sink, with what it could see of the write path's transaction.</summary>
public sealed record RecordedBatch(ChangeBatch Batch, bool InTransaction, int PendingRecordWrites, Guid? TransactionId = null);

/// <summary>
/// A test <see cref="IRecordChangeSink"/>: records every batch per table and lets a test give its own table a
/// behaviour (add rows, throw, return a post-commit action). Tests use their own table, so they stay independent.
/// </summary>
public sealed class RecordingChangeSink : IRecordChangeSink
{
    private readonly ConcurrentQueue<RecordedBatch> _batches = new();

    /// <summary>Per table id: runs after the batch is recorded; its result is the sink's answer.</summary>
    public ConcurrentDictionary<string, Func<WriteSession, ChangeBatch, Action?>> Behaviours { get; } = new();

    public ValueTask<Action?> OnChangesAsync(WriteSession scope, ChangeBatch batch, CancellationToken ct)
    {
        var db = scope.Db;
        // New records wait in the scope (written at the save, by prepared statement); updates and deletes are tracked.
        var pending = db.ChangeTracker.Entries<RecordEntity>().Count(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted)
            + scope.PendingRows.OfType<RecordEntity>().Count();
        _batches.Enqueue(new RecordedBatch(batch, db.Database.CurrentTransaction is not null, pending, db.Database.CurrentTransaction?.TransactionId));
        return ValueTask.FromResult(Behaviours.TryGetValue(batch.Table.Id, out var behaviour) ? behaviour(scope, batch) : null);
    }

    public IReadOnlyList<RecordedBatch> For(string tableId) => _batches.Where(b => b.Batch.Table.Id == tableId).ToList();
}
