using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Undb.Data;

namespace Undb.Features.Tables;

/// <summary>
/// Deleting records, and taking a deletion or a creation back for the grid's undo: a deleted record comes back as it
/// was, and a record is deleted again only while nobody has changed it since.
/// </summary>
public sealed partial class RecordService
{
    /// <summary>Deletes the record; returns it as it was (what <see cref="RestoreAsync"/> takes to bring it back).</summary>
    public async Task<RecordSnapshot> DeleteAsync(string tableId, string recordId, string? actorId, CancellationToken ct = default) =>
        (await DeleteCoreAsync(tableId, [recordId], actorId, bulk: false, expected: null, ct))[0];

    /// <summary>Deletes the records; returns how many were deleted. Any unknown id rejects the whole operation.</summary>
    public async Task<int> BulkDeleteAsync(string tableId, IReadOnlyList<string> recordIds, string? actorId, CancellationToken ct = default) =>
        (await BulkDeleteReturningAsync(tableId, recordIds, actorId, ct)).Count;

    /// <summary>The same, returning the records as they were (what <see cref="RestoreAsync"/> takes to bring them back).</summary>
    public Task<IReadOnlyList<RecordSnapshot>> BulkDeleteReturningAsync(string tableId, IReadOnlyList<string> recordIds, string? actorId, CancellationToken ct = default) =>
        DeleteCoreAsync(tableId, recordIds, actorId, bulk: true, expected: null, ct);

    /// <summary>
    /// Brings deleted records back (from what <see cref="DeleteAsync"/> or <see cref="BulkDeleteReturningAsync"/>
    /// returned), in one transaction: each with its id, its values and when and by whom it was created, so its history
    /// and anything that kept its id still find it. Subscribers see <c>record.created</c> (a bulk event for more than
    /// one), like any new record, since they were told it was deleted. Values of fields deleted since are left out;
    /// the values are checked against the fields as they are now (a field made required since refuses an empty one). A
    /// record whose id is there already (restored before) refuses the whole operation with a
    /// <see cref="ConflictException"/>.
    /// </summary>
    public async Task<IReadOnlyList<RecordSnapshot>> RestoreAsync(string tableId, IReadOnlyList<RecordSnapshot> records, string? actorId, CancellationToken ct = default)
    {
        var bulk = records.Count > 1;
        var changes = await WriteAsync(tableId, actorId, bulk ? ChangeKind.Created : null, alongside: null, async w =>
        {
            foreach (var chunk in records.Select(r => r.Id).Distinct().Chunk(500))
            {
                if (await w.Db.Records.Where(r => chunk.Contains(r.Id)).Select(r => r.Id).FirstOrDefaultAsync(ct) is { } present)
                {
                    throw new ConflictException($"Record '{present}' exists already.", new Dictionary<string, object?> { ["record"] = present });
                }
            }
            var datas = ApplyAllNew(w.Table, records.Select(r => OfFields(w.Table, r.Values).ToDictionary(v => v.Key, v => v.Value?.DeepClone())).ToList(), bulk);
            return records.Select((r, i) => AddCreated(w, r.Id, datas[i], r.CreatedAt, r.CreatedBy)).ToList();
        }, ct);
        return changes.Select(c => c.Record).ToList();
    }

    /// <summary>
    /// Deletes the records only while each still holds the values given for it (all or nothing): otherwise a
    /// <see cref="ConflictException"/>, and nothing is deleted. The grid's undo of a record it added, and its redo of a
    /// deletion, so neither throws away what somebody changed since.
    /// </summary>
    public Task<IReadOnlyList<RecordSnapshot>> DeleteIfUnchangedAsync(string tableId, IReadOnlyList<RecordSnapshot> records, string? actorId, CancellationToken ct = default) =>
        DeleteCoreAsync(tableId, records.Select(r => r.Id).ToList(), actorId, bulk: records.Count > 1,
            records.DistinctBy(r => r.Id).ToDictionary(r => r.Id, r => r.Values), ct);

    /// <param name="expected">When given, each record is deleted only while it holds these values (all or nothing; see <see cref="DeleteIfUnchangedAsync"/>).</param>
    private async Task<IReadOnlyList<RecordSnapshot>> DeleteCoreAsync(
        string tableId, IReadOnlyList<string> recordIds, string? actorId, bool bulk, IReadOnlyDictionary<string, JsonObject>? expected, CancellationToken ct)
    {
        var changes = await WriteAsync(tableId, actorId, bulk ? ChangeKind.Deleted : null, alongside: null, async (w) =>
        {
            var entities = await LoadRecordsAsync(w, recordIds, ct);
            var result = new List<RecordChange>(entities.Count);
            foreach (var entity in entities.Values)
            {
                var data = ParseData(entity.Data);
                if (expected is not null && !JsonNode.DeepEquals(OfFields(w.Table, data), OfFields(w.Table, expected[entity.Id])))
                {
                    throw new ConflictException("A record was changed since.", new Dictionary<string, object?> { ["record"] = entity.Id });
                }
                w.Db.Records.Remove(entity);
                var snapshot = await SnapshotAsync(entity, data, ct);
                result.Add(new RecordChange(Ids.New(Ids.Event, w.Now), ChangeKind.Deleted, snapshot, null, []));
            }
            return result;
        }, ct);
        return changes.Select(c => c.Record).ToList();
    }

    /// <summary>The values of fields the table has now (a deleted field's values went with it).</summary>
    private static JsonObject OfFields(TableSnapshot table, JsonObject values) =>
        new(values.Where(v => table.FieldById(v.Key) is not null).Select(v => KeyValuePair.Create(v.Key, v.Value?.DeepClone())));
}
