using System.Text.Json.Nodes;
using Undb.Data;

namespace Undb.Features.Tables;

public enum ChangeKind { Created, Updated, Deleted }

/// <summary>The user (or token owner) behind a change.</summary>
public sealed record UserRef(string Id, string Username);

/// <summary>A record as stored: values keyed by field id.</summary>
public sealed record RecordSnapshot(
    string Id,
    JsonObject Values,
    DateTimeOffset CreatedAt,
    UserRef? CreatedBy,
    DateTimeOffset UpdatedAt,
    UserRef? UpdatedBy);

/// <summary>One record's change. <see cref="Previous"/> holds the old values of the changed fields (updates only).</summary>
public sealed record RecordChange(string EventId, ChangeKind Kind, RecordSnapshot Record, JsonObject? Previous, IReadOnlyList<string> ChangedFieldIds);

/// <summary>The table as it was when the change happened, so events can name fields.</summary>
public sealed record TableSnapshot(string Id, string Name, IReadOnlyList<FieldEntity> Fields)
{
    public FieldEntity? FieldById(string id) => Fields.FirstOrDefault(f => f.Id == id);
}

/// <summary>
/// Everything one RecordService operation changed: a per-record event for each record, and for bulk operations
/// one bulk event (<see cref="BulkEventId"/>) covering them all.
/// </summary>
public sealed record ChangeBatch(
    TableSnapshot Table,
    UserRef? Actor,
    DateTimeOffset At,
    IReadOnlyList<RecordChange> Changes,
    ChangeKind? BulkKind,
    string? BulkEventId)
{
    public static ChangeBatch Create(TableSnapshot table, UserRef? actor, DateTimeOffset at, IReadOnlyList<RecordChange> changes, ChangeKind? bulkKind) =>
        new(table, actor, at, changes, bulkKind, bulkKind is null ? null : Ids.New(Ids.Event, at));
}

/// <summary>
/// One RecordService transaction as a sink sees it: the context to add rows to, and <see cref="Items"/>, state kept
/// for as long as the transaction (a group commit runs many writes in one, so a sink can read what it needs once).
/// </summary>
public sealed class RecordWriteScope(AppDbContext db) : IDisposable
{
    private readonly List<Func<CancellationToken, Task>> _beforeCommit = [];
    private readonly List<object> _rows = [];
    private RowWriter? _writer;

    public AppDbContext Db { get; } = db;

    public Dictionary<object, object?> Items { get; } = [];

    /// <summary>
    /// Adds a new row to the current write: it is inserted when the write is saved, with the records, through one
    /// prepared statement per kind of row for the whole transaction (<see cref="RowWriter"/>), which costs a fraction
    /// of what tracking it through <see cref="Db"/> costs. If the write is rejected first, the row is dropped with it.
    /// </summary>
    public void Add<T>(T row) where T : class => _rows.Add(row);

    /// <summary>The rows given to <see cref="Add{T}"/> that the current write has not saved yet.</summary>
    public IReadOnlyList<object> PendingRows => _rows;

    /// <summary>
    /// Runs <paramref name="action"/> once, after the transaction's last write and before its commit: work that many
    /// writes share, such as one counter update for all of them. If it throws, the transaction is rolled back.
    /// </summary>
    public void BeforeCommit(Func<CancellationToken, Task> action) => _beforeCommit.Add(action);

    /// <summary>Saves the current write: what is tracked by <see cref="Db"/>, then the rows given to <see cref="Add{T}"/>.</summary>
    internal async Task SaveAsync(CancellationToken ct)
    {
        await Db.SaveChangesAsync(ct);
        if (_rows.Count > 0)
        {
            _writer ??= new RowWriter(Db);
            foreach (var row in _rows)
            {
                await _writer.InsertAsync(row, ct);
            }
            _rows.Clear();
        }
    }

    /// <summary>Forgets the current write's unsaved rows and tracked changes (it was rejected, or it is saved and done).</summary>
    internal void EndWrite()
    {
        _rows.Clear();
        Db.ChangeTracker.Clear();
    }

    internal async Task RunBeforeCommitAsync(CancellationToken ct)
    {
        foreach (var action in _beforeCommit)
        {
            await action(ct);
        }
    }

    public void Dispose() => _writer?.Dispose();
}

/// <summary>
/// Rows a caller commits together with its own record write (an ingest's request log, say), so both need only one
/// transaction: called inside it after the write's changes and sinks, with the records the write produced.
/// It runs again if the write is retried; the write only returns once a run of it has committed.
/// </summary>
public delegate ValueTask AlongsideWrite(RecordWriteScope scope, IReadOnlyList<RecordSnapshot> records, CancellationToken ct);

/// <summary>
/// The extension point of the one write path. Called inside RecordService's transaction, before it is saved:
/// a sink adds its own rows (an outbox, an audit log) to the scope's context so they commit with the records.
/// It may return an action to run after the commit (for instance, waking a delivery worker).
/// </summary>
public interface IRecordChangeSink
{
    ValueTask<Action?> OnChangesAsync(RecordWriteScope scope, ChangeBatch batch, CancellationToken ct);
}
