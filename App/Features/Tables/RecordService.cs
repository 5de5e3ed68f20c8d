using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Features.Accounts;
using Undb.Realtime;

namespace Undb.Features.Tables;

/// <summary>Values for one record, keyed by field name or field id.</summary>
public sealed record RecordInput(IReadOnlyDictionary<string, JsonNode?> Values);

/// <summary>
/// Changes to one existing record. <paramref name="Expected"/>, when given, makes the change conditional: each named
/// field (by id or name) must still hold that value (null: empty) when the record is read in the write's transaction,
/// or nothing is written and a <see cref="ConflictException"/> says which field moved (the grid's undo uses it, so an
/// undo never overwrites what somebody changed since).
/// </summary>
public sealed record RecordPatch(string Id, IReadOnlyDictionary<string, JsonNode?> Values, IReadOnlyDictionary<string, JsonNode?>? Expected = null);

/// <summary>
/// The one write path for records. Each call validates and coerces every value, writes the records and the change
/// events' side rows (through <see cref="IRecordChangeSink"/>) in one transaction, and after the commit publishes
/// the change to <see cref="TableChangeNotifier"/>. A rejected input throws <see cref="RecordValidationException"/>
/// and writes nothing; a bulk operation is all-or-nothing.
/// </summary>
public sealed partial class RecordService : IDisposable
{
    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly IRecordChangeSink[] _sinks;
    private readonly TableChangeNotifier _notifier;
    private readonly UserDirectory _users;
    private readonly DataWriter _writer;
    private readonly TimeProvider _time;
    private readonly WriteBatcher<PendingWrite, WriteOutcome> _writes;

    public RecordService(
        IDbContextFactory<AppDbContext> dbFactory,
        IEnumerable<IRecordChangeSink> sinks,
        TableChangeNotifier notifier,
        UserDirectory users,
        DataWriter writer,
        TimeProvider time)
    {
        _dbFactory = dbFactory;
        _sinks = sinks.ToArray();
        _notifier = notifier;
        _users = users;
        _writer = writer;
        _time = time;
        _writes = new WriteBatcher<PendingWrite, WriteOutcome>(FlushAsync, maxBatch: 64, pause: writer.GroupCommits);
    }

    public void Dispose() => _writes.Dispose();

    /// <param name="alongside">Rows to commit in the same transaction as the record (see <see cref="AlongsideWrite"/>).</param>
    public async Task<RecordSnapshot> CreateAsync(string tableId, RecordInput input, string? actorId, CancellationToken ct = default, AlongsideWrite? alongside = null) =>
        (await CreateCoreAsync(tableId, [input], actorId, bulk: false, alongside, ct))[0];

    public Task<IReadOnlyList<RecordSnapshot>> BulkCreateAsync(
        string tableId, IReadOnlyList<RecordInput> inputs, string? actorId, CancellationToken ct = default, AlongsideWrite? alongside = null) =>
        CreateCoreAsync(tableId, inputs, actorId, bulk: true, alongside, ct);

    /// <summary>Updates the given values; values not named stay as they are. An update that changes nothing writes nothing and fires nothing.</summary>
    public async Task<RecordSnapshot> UpdateAsync(string tableId, RecordPatch patch, string? actorId, CancellationToken ct = default) =>
        (await UpdateCoreAsync(tableId, [patch], actorId, bulk: false, ct))[0];

    public Task<IReadOnlyList<RecordSnapshot>> BulkUpdateAsync(string tableId, IReadOnlyList<RecordPatch> patches, string? actorId, CancellationToken ct = default) =>
        UpdateCoreAsync(tableId, patches, actorId, bulk: true, ct);

    private async Task<IReadOnlyList<RecordSnapshot>> CreateCoreAsync(
        string tableId, IReadOnlyList<RecordInput> inputs, string? actorId, bool bulk, AlongsideWrite? alongside, CancellationToken ct)
    {
        var changes = await WriteAsync(tableId, actorId, bulk ? ChangeKind.Created : null, alongside, (w) =>
        {
            var datas = ApplyAllNew(w.Table, inputs.Select(i => i.Values).ToList(), bulk);
            return Task.FromResult(datas.Select(data => AddCreated(w, Ids.New(Ids.Record, w.Now), data, w.Now, w.Actor)).ToList());
        }, ct);
        return changes.Select(c => c.Record).ToList();
    }

    /// <summary>New records' values, every one checked before any is written: all of them, or the errors of all.</summary>
    private static List<JsonObject> ApplyAllNew(TableSnapshot table, IReadOnlyList<IReadOnlyDictionary<string, JsonNode?>> inputs, bool bulk)
    {
        var errors = new List<FieldError>();
        var datas = new List<JsonObject>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            datas.Add(Apply(table, inputs[i], existing: null, bulk ? i : null, errors, out _));
        }
        ThrowIfAny(errors);
        return datas;
    }

    /// <summary>A new record's row, added to the write, and its change (written by the current actor, now).</summary>
    private static RecordChange AddCreated(WriteContext w, string id, JsonObject data, DateTimeOffset createdAt, UserRef? createdBy)
    {
        w.Scope.Add(new RecordEntity
        {
            Id = id,
            TableId = w.Table.Id,
            Data = JsonStorage.Serialize(data),
            CreatedAt = createdAt,
            UpdatedAt = w.Now,
            CreatedById = createdBy?.Id,
            UpdatedById = w.Actor?.Id,
        });
        var snapshot = new RecordSnapshot(id, data, createdAt, createdBy, w.Now, w.Actor);
        return new RecordChange(Ids.New(Ids.Event, w.Now), ChangeKind.Created, snapshot, null, data.Select(p => p.Key).ToList());
    }

    private async Task<IReadOnlyList<RecordSnapshot>> UpdateCoreAsync(string tableId, IReadOnlyList<RecordPatch> patches, string? actorId, bool bulk, CancellationToken ct)
    {
        var unchanged = new Dictionary<string, RecordSnapshot>();
        var changes = await WriteAsync(tableId, actorId, bulk ? ChangeKind.Updated : null, alongside: null, async (w) =>
        {
            var entities = await LoadRecordsAsync(w, patches.Select(p => p.Id).ToList(), ct);
            var errors = new List<FieldError>();
            var seen = new HashSet<string>();
            var updates = new List<(RecordEntity Entity, JsonObject Data, JsonObject Previous)>();
            for (var i = 0; i < patches.Count; i++)
            {
                var patch = patches[i];
                if (!seen.Add(patch.Id))
                {
                    errors.Add(new FieldError("id", $"record {patch.Id} appears more than once", bulk ? i : null));
                    continue;
                }
                var entity = entities[patch.Id];
                var current = ParseData(entity.Data);
                if (patch.Expected is { } expected)
                {
                    ThrowIfMoved(w.Table, expected, current);
                }
                var data = Apply(w.Table, patch.Values, current, bulk ? i : null, errors, out var previous);
                updates.Add((entity, data, previous));
            }
            ThrowIfAny(errors);

            var result = new List<RecordChange>();
            foreach (var (entity, data, previous) in updates)
            {
                if (previous.Count == 0)
                {
                    unchanged[entity.Id] = await SnapshotAsync(entity, data, ct);
                    continue;
                }
                entity.Data = JsonStorage.Serialize(data);
                entity.UpdatedAt = w.Now;
                entity.UpdatedById = w.Actor?.Id;
                var snapshot = await SnapshotAsync(entity, data, ct);
                result.Add(new RecordChange(Ids.New(Ids.Event, w.Now), ChangeKind.Updated, snapshot, previous, previous.Select(p => p.Key).ToList()));
            }
            return result;
        }, ct);

        var changed = changes.ToDictionary(c => c.Record.Id, c => c.Record);
        return patches.Select(p => changed.TryGetValue(p.Id, out var s) ? s : unchanged[p.Id]).ToList();
    }

    private sealed record WriteContext(WriteSession Scope, TableSnapshot Table, UserRef? Actor, DateTimeOffset Now)
    {
        public AppDbContext Db => Scope.Db;
    }

    /// <summary>One call's write, waiting for its turn in a group commit.</summary>
    private sealed record PendingWrite(
        string TableId, UserRef? Actor, string? Via, ChangeKind? BulkKind, AlongsideWrite? Alongside, Func<WriteContext, Task<List<RecordChange>>> Change, CancellationToken Ct,
        string? TraceParent = null);

    /// <summary>What a write came to: its committed changes and post-commit actions, or why it wrote nothing.</summary>
    private sealed record WriteOutcome(IReadOnlyList<RecordChange> Changes, IReadOnlyList<Action> AfterCommit, Exception? Error = null);

    /// <summary>The transaction every operation shares: load the table, run the change, let sinks add their rows, commit, publish.</summary>
    private async Task<IReadOnlyList<RecordChange>> WriteAsync(
        string tableId, string? actorId, ChangeKind? bulkKind, AlongsideWrite? alongside, Func<WriteContext, Task<List<RecordChange>>> change, CancellationToken ct)
    {
        var via = ChangeOrigin.Current ?? (actorId is null ? null : ChangeOrigin.App);
        // A span per write (the group commit runs it with others on another thread, so its id travels with the write).
        using var span = Infrastructure.Telemetry.AppTracing.Source.StartActivity("undb.records.write");
        span?.SetTag("undb.table.id", tableId);
        var actor = await _users.GetAsync(actorId, ct);
        ct.ThrowIfCancellationRequested();
        // Not abandoned on cancellation once submitted: the caller learns whether it committed.
        var write = new PendingWrite(tableId, actor, via, bulkKind, alongside, change, ct, Infrastructure.Telemetry.AppTracing.TraceParent(span));
        WriteOutcome outcome;
        try
        {
            outcome = await _writes.SubmitAsync(write);
        }
        catch (Exception ex) when (_writer.LostARace(ex))
        {
            // Rolled back because a concurrent write committed first (on PostgreSQL, a webhook deleted while this
            // write inserted its delivery): once more, reading what is there now. The user's change is not lost to it.
            outcome = await _writes.SubmitAsync(write);
        }
        span?.SetTag("undb.records.changed", outcome.Changes.Count);
        if (outcome.Error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
        if (outcome.Changes.Count == 0)
        {
            return outcome.Changes; // nothing changed, nothing was committed
        }

        // The change is committed; a failed action is logged, and sinks recover missed wake-ups from the database (the sweeper).
        _writer.RunAfterCommit(outcome.AfterCommit);
        _notifier.Publish(new TableChange(tableId, TableChangeKind.RecordsChanged, outcome.Changes.Select(c => c.Record.Id).ToList(), actorId));
        return outcome.Changes;
    }

    /// <summary>
    /// Group commit: the writes that gathered while the previous batch committed run one after another in one
    /// transaction, each seeing the ones before it, so N concurrent callers cost one transaction (and one read of each
    /// table's fields) instead of N. A write that is rejected before it changes anything (invalid values, unknown
    /// records) gets its own error and the others go on; any other failure rolls the batch back and
    /// <see cref="WriteBatcher{TIn,TOut}"/> runs its writes again one at a time, so each caller gets its own answer.
    /// </summary>
    private async Task<IReadOnlyList<WriteOutcome>> FlushAsync(IReadOnlyList<PendingWrite> batch, CancellationToken stopping)
    {
        var outcomes = new WriteOutcome[batch.Count];
        await _writer.WriteAsync(async scope =>
        {
            var db = scope.Db;
            // Each write's SaveChanges needs no savepoint: a failed one fails the whole batch, which is then retried item by item.
            db.Database.AutoSavepointsEnabled = false;
            var tables = new Dictionary<string, TableSnapshot?>();
            for (var i = 0; i < batch.Count; i++)
            {
                var write = batch[i];
                try
                {
                    write.Ct.ThrowIfCancellationRequested();
                    if (!tables.TryGetValue(write.TableId, out var table))
                    {
                        tables[write.TableId] = table = await TableQueries.LoadSnapshotAsync(db, write.TableId, write.Ct);
                    }
                    if (table is null)
                    {
                        throw new NotFoundException($"Table '{write.TableId}' does not exist.");
                    }
                    outcomes[i] = await WriteOneAsync(scope, table, write);
                }
                catch (Exception ex) when (IsRejection(ex) && !db.ChangeTracker.HasChanges())
                {
                    outcomes[i] = new WriteOutcome([], [], ex);
                }
                // Later writes load what they need from the database, which now includes this one's changes.
                scope.EndWrite();
            }
        }, stopping);
        return outcomes;
    }

    private static bool IsRejection(Exception ex) =>
        ex is RecordValidationException or NotFoundException or BadRequestException or ConflictException or OperationCanceledException;

    /// <summary>A conditional patch (<see cref="RecordPatch.Expected"/>) against the record as the transaction reads it.</summary>
    private static void ThrowIfMoved(TableSnapshot table, IReadOnlyDictionary<string, JsonNode?> expectedValues, JsonObject current)
    {
        foreach (var (key, expected) in expectedValues)
        {
            var field = ResolveField(table, key) ?? throw new NotFoundException($"Field '{key}' does not exist in table '{table.Name}'.");
            if (!JsonNode.DeepEquals(current[field.Id], expected))
            {
                throw new ConflictException($"{field.Name} was changed since.", new Dictionary<string, object?> { ["field"] = field.Id });
            }
        }
    }

    /// <summary>Inside the batch's transaction: run the change, let sinks and the caller add their rows, save (unless nothing changed).</summary>
    private async Task<WriteOutcome> WriteOneAsync(WriteSession scope, TableSnapshot table, PendingWrite write)
    {
        var now = _time.GetUtcNow();
        var changes = await write.Change(new WriteContext(scope, table, write.Actor, now));
        if (changes.Count == 0 && write.Alongside is null)
        {
            return new WriteOutcome(changes, []);
        }
        var afterCommit = new List<Action>();
        if (changes.Count > 0)
        {
            var batch = ChangeBatch.Create(table, write.Actor, now, changes, write.BulkKind, write.Via) with { TraceParent = write.TraceParent };
            foreach (var sink in _sinks)
            {
                if (await sink.OnChangesAsync(scope, batch, write.Ct) is { } action)
                {
                    afterCommit.Add(action);
                }
            }
        }
        if (write.Alongside is { } alongside)
        {
            await alongside(scope, changes.Select(c => c.Record).ToList(), write.Ct);
        }
        // Not cancelled half-way: once the rows are going in, the caller gets the real outcome. The new rows go in with
        // the rest of the batch's, in one round trip (see WriteSession.SaveDeferringRowsAsync).
        await scope.SaveDeferringRowsAsync(CancellationToken.None);
        return new WriteOutcome(changes, afterCommit);
    }

    private static async Task<Dictionary<string, RecordEntity>> LoadRecordsAsync(WriteContext w, IReadOnlyList<string> ids, CancellationToken ct)
    {
        // In id order, so two writers that lock overlapping records lock them in the same order (no deadlock).
        var distinct = ids.Distinct().Order(StringComparer.Ordinal).ToList();
        var found = new Dictionary<string, RecordEntity>(distinct.Count);
        // SQLite allows ~32k parameters; chunk to stay well inside it.
        foreach (var chunk in distinct.Chunk(500))
        {
            // Locked until the commit: a writer on another instance changing the same record waits and then reads
            // what this one wrote, so neither change is lost (SQLite's writers take turns anyway).
            var rows = await w.Db.Records.Where(r => r.TableId == w.Table.Id && chunk.Contains(r.Id)).OrderBy(r => r.Id).ForUpdate().ToListAsync(ct);
            foreach (var row in rows)
            {
                found[row.Id] = row;
            }
        }
        var missing = distinct.Where(id => !found.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            throw new NotFoundException(missing.Count == 1
                ? $"Record '{missing[0]}' does not exist in table '{w.Table.Name}'."
                : $"{missing.Count} records do not exist in table '{w.Table.Name}': {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}.");
        }
        return found;
    }

    /// <summary>
    /// Applies input values on top of <paramref name="existing"/> (null when creating), collecting errors.
    /// <paramref name="previous"/> receives the old values of the fields that really changed.
    /// </summary>
    internal static JsonObject Apply(TableSnapshot table, IReadOnlyDictionary<string, JsonNode?> input, JsonObject? existing, int? index, List<FieldError> errors, out JsonObject previous)
    {
        var data = existing ?? new JsonObject();
        previous = new JsonObject();
        var touched = new HashSet<string>();
        foreach (var (key, raw) in input)
        {
            var field = ResolveField(table, key);
            if (field is null)
            {
                var message = SystemFields.IsSystem(key)
                    ? "is set by the system and cannot be written"
                    : $"is not a field of table '{table.Name}'";
                errors.Add(new FieldError(key, message, index));
                continue;
            }
            if (!touched.Add(field.Id))
            {
                errors.Add(new FieldError(field.Name, "is given more than once", index));
                continue;
            }
            var error = ValueCoercer.TryCoerce(field, raw, out var value);
            if (error is not null)
            {
                errors.Add(new FieldError(field.Name, error, index));
                continue;
            }
            var old = data[field.Id];
            if (JsonNode.DeepEquals(old, value))
            {
                continue;
            }
            previous[field.Id] = old?.DeepClone();
            if (value is null)
            {
                data.Remove(field.Id);
            }
            else
            {
                data[field.Id] = value;
            }
        }
        if (existing is null)
        {
            foreach (var field in table.Fields.Where(f => f.Required && !touched.Contains(f.Id)))
            {
                errors.Add(new FieldError(field.Name, "is required", index));
            }
        }
        return data;
    }

    /// <summary>A key names a field by id or, failing that, by name (exact, then ignoring case).</summary>
    internal static FieldEntity? ResolveField(TableSnapshot table, string key) =>
        table.Fields.FirstOrDefault(f => f.Id == key)
        ?? table.Fields.FirstOrDefault(f => string.Equals(f.Name, key, StringComparison.Ordinal))
        ?? table.Fields.FirstOrDefault(f => string.Equals(f.Name, key, StringComparison.OrdinalIgnoreCase));

    internal static JsonObject ParseData(string data) => JsonNode.Parse(data) as JsonObject ?? new JsonObject();

    private async Task<RecordSnapshot> SnapshotAsync(RecordEntity e, JsonObject data, CancellationToken ct) =>
        new(e.Id, data, e.CreatedAt, await _users.GetAsync(e.CreatedById, ct), e.UpdatedAt, await _users.GetAsync(e.UpdatedById, ct));

    private static void ThrowIfAny(List<FieldError> errors)
    {
        if (errors.Count > 0)
        {
            throw new RecordValidationException(errors);
        }
    }
}

/// <summary>Names the API reserves for system values.</summary>
public static class SystemFields
{
    public static readonly IReadOnlyList<string> Names = ["id", "createdAt", "createdBy", "updatedAt", "updatedBy"];

    public static bool IsSystem(string name) => Names.Contains(name, StringComparer.OrdinalIgnoreCase);
}
