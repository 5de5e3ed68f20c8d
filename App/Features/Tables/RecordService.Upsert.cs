using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Undb.Data;

namespace Undb.Features.Tables;

/// <summary>What an upsert did: the records it created and those it matched by the key (changed or not), in input order per list.</summary>
public sealed record UpsertResult(IReadOnlyList<RecordSnapshot> Created, IReadOnlyList<RecordSnapshot> Updated);

/// <summary>Rows to commit in an upsert's transaction, knowing which records were created and which updated.</summary>
public delegate ValueTask AlongsideUpsert(WriteSession scope, UpsertResult result, CancellationToken ct);

public sealed partial class RecordService
{
    /// <summary>The field types a record can be found by: values that identify (not dates, checkboxes or lists).</summary>
    public static bool CanKey(FieldType type) => type is FieldType.Text or FieldType.Email or FieldType.Url or FieldType.Number or FieldType.SingleSelect;

    /// <summary>
    /// Creates or updates, in one transaction: an input whose value for <paramref name="keyFieldId"/> equals an existing
    /// record's updates that record (firing <c>record.updated</c> with <c>previous</c>; nothing when nothing changes),
    /// otherwise it creates one (<c>record.created</c>); inputs without a key value create. Two inputs with the same key
    /// apply in order to the same record. A key that matches several records is refused with 409 and nothing is written.
    /// Per-record events only (no bulk event: the operation is neither a bulk create nor a bulk update).
    /// </summary>
    public async Task<UpsertResult> UpsertAsync(
        string tableId, string keyFieldId, IReadOnlyList<RecordInput> inputs, string? actorId, CancellationToken ct = default, AlongsideUpsert? alongside = null)
    {
        UpsertResult? result = null;
        AlongsideWrite? along = alongside is null ? null : (scope, _, token) => alongside(scope, result!, token);
        await WriteAsync(tableId, actorId, bulkKind: null, along, async w =>
        {
            var key = w.Table.FieldById(keyFieldId) ?? throw new BadRequestException($"The key field '{keyFieldId}' is not a field of table '{w.Table.Name}'.");
            if (!CanKey(key.Type))
            {
                throw new BadRequestException($"'{key.Name}' is a {key.Type.DisplayName().ToLowerInvariant()} field; records are found by a text, email, URL, number or single select field.");
            }
            var errors = new List<FieldError>();
            var keys = new JsonNode?[inputs.Count];
            for (var i = 0; i < inputs.Count; i++)
            {
                var raw = inputs[i].Values.FirstOrDefault(p => ResolveField(w.Table, p.Key)?.Id == key.Id).Value;
                if (ValueCoercer.TryCoerce(key, raw, out var value) is { } error)
                {
                    errors.Add(new FieldError(key.Name, error, inputs.Count > 1 ? i : null));
                }
                keys[i] = value;
            }
            ThrowIfAny(errors);
            var existing = await FindByKeyAsync(w, key, keys.Where(k => k is not null).ToList()!, ct);

            // Per key, the record it ends up in: an existing one, or one this call creates.
            var touched = new Dictionary<string, (RecordEntity Entity, JsonObject Data, JsonObject Previous, bool Created)>();
            var order = new List<string>();
            for (var i = 0; i < inputs.Count; i++)
            {
                var index = inputs.Count > 1 ? i : (int?)null;
                var text = keys[i] is { } k ? KeyText(key, k) : null;
                if (text is not null && touched.TryGetValue(text, out var seen))
                {
                    Apply(w.Table, inputs[i].Values, seen.Data, index, errors, out var more);
                    foreach (var (field, old) in more)
                    {
                        if (!seen.Previous.ContainsKey(field))
                        {
                            seen.Previous[field] = old?.DeepClone();
                        }
                    }
                    continue;
                }
                if (text is not null && existing.TryGetValue(text, out var matches))
                {
                    if (matches.Count > 1)
                    {
                        throw new BadRequestException(
                            $"{matches.Count} records of '{w.Table.Name}' have {key.Name} = {text}: {string.Join(", ", matches.Select(m => m.Id))}. Nothing was written; make the key unique first.",
                            new Dictionary<string, string[]> { [key.Name] = [$"matches {matches.Count} records"] }, status: 409);
                    }
                    var entity = matches[0];
                    var data = Apply(w.Table, inputs[i].Values, ParseData(entity.Data), index, errors, out var previous);
                    touched[text] = (entity, data, previous, false);
                    order.Add(text);
                    continue;
                }
                var created = Apply(w.Table, inputs[i].Values, existing: null, index, errors, out _);
                var row = new RecordEntity
                {
                    Id = Ids.New(Ids.Record, w.Now), TableId = tableId, CreatedAt = w.Now, UpdatedAt = w.Now, CreatedById = w.Actor?.Id, UpdatedById = w.Actor?.Id,
                };
                var slot = text ?? "\u0000" + i; // no key: a record of its own
                touched[slot] = (row, created, new JsonObject(), true);
                order.Add(slot);
            }
            ThrowIfAny(errors);

            var changes = new List<RecordChange>();
            var createdList = new List<RecordSnapshot>();
            var updatedList = new List<RecordSnapshot>();
            foreach (var slot in order)
            {
                var (entity, data, previous, isNew) = touched[slot];
                if (isNew)
                {
                    entity.Data = JsonStorage.Serialize(data);
                    w.Scope.Add(entity);
                    var snapshot = new RecordSnapshot(entity.Id, data, w.Now, w.Actor, w.Now, w.Actor);
                    createdList.Add(snapshot);
                    changes.Add(new RecordChange(Ids.New(Ids.Event, w.Now), ChangeKind.Created, snapshot, null, data.Select(p => p.Key).ToList()));
                    continue;
                }
                if (previous.Count > 0)
                {
                    entity.Data = JsonStorage.Serialize(data);
                    entity.UpdatedAt = w.Now;
                    entity.UpdatedById = w.Actor?.Id;
                }
                var updated = await SnapshotAsync(entity, data, ct);
                updatedList.Add(updated);
                if (previous.Count > 0)
                {
                    changes.Add(new RecordChange(Ids.New(Ids.Event, w.Now), ChangeKind.Updated, updated, previous, previous.Select(p => p.Key).ToList()));
                }
            }
            result = new UpsertResult(createdList, updatedList);
            return changes;
        }, ct);
        return result!;
    }

    /// <summary>A key value as compared: its JSON text, an email address in lower case.</summary>
    private static string KeyText(FieldEntity key, JsonNode value) =>
        key.Type == FieldType.Email && value.GetValueKind() == JsonValueKind.String
            ? JsonValue.Create(value.GetValue<string>().ToLowerInvariant()).ToJsonString()
            : value.ToJsonString();

    /// <summary>The records whose key field holds one of <paramref name="keys"/>, locked, grouped by <see cref="KeyText"/>.</summary>
    private static async Task<Dictionary<string, List<RecordEntity>>> FindByKeyAsync(WriteContext w, FieldEntity key, List<JsonNode> keys, CancellationToken ct)
    {
        var found = new Dictionary<string, List<RecordEntity>>();
        if (keys.Count == 0)
        {
            return found;
        }
        var path = JsonFunctions.FieldPath(key.Id);
        var tableId = w.Table.Id;
        foreach (var chunk in keys.DistinctBy(k => KeyText(key, k)).Chunk(500))
        {
            IQueryable<RecordEntity> query = w.Db.Records.Where(r => r.TableId == tableId);
            if (key.Type == FieldType.Number)
            {
                var numbers = chunk.Select(k => double.Parse(k.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
                query = query.Where(r => numbers.Contains(JsonFunctions.Number(r.Data, path)!.Value));
            }
            else if (key.Type == FieldType.Email)
            {
                // Addresses match in any case (Ann@Acme.test is ann@acme.test), as mail delivery treats them.
                var texts = chunk.Select(k => k.GetValue<string>().ToLowerInvariant()).ToList();
                query = query.Where(r => texts.Contains(JsonFunctions.Value(r.Data, path)!.ToLower()));
            }
            else
            {
                var texts = chunk.Select(k => k.GetValue<string>()).ToList();
                query = query.Where(r => texts.Contains(JsonFunctions.Value(r.Data, path)!));
            }
            // In id order, like every record lock, so writers of overlapping records cannot deadlock.
            foreach (var row in await query.OrderBy(r => r.Id).ForUpdate().ToListAsync(ct))
            {
                if (ParseData(row.Data)[key.Id] is { } value)
                {
                    var text = KeyText(key, value);
                    (found.TryGetValue(text, out var list) ? list : found[text] = []).Add(row);
                }
            }
        }
        return found;
    }
}
