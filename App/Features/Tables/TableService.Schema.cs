using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Realtime;

namespace Undb.Features.Tables;

/// <summary>Changing a table's shape after creation: rename and delete the table; rename, re-option, reorder, hide and delete fields.</summary>
public sealed partial class TableService
{
    public async Task<TableSnapshot> RenameAsync(string tableId, string name, string? actorId, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        name = TableRules.CheckName(name, "name", errors);
        TableRules.ThrowIfAny(errors, "The table is not valid.");

        await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            await LockTableAsync(db, tableId, ct);
            var table = await db.Tables.FirstOrDefaultAsync(t => t.Id == tableId, ct) ?? throw TableNotFound(tableId);
            if (await NameTakenAsync(db, name, tableId, ct))
            {
                throw new BadRequestException($"A table named '{name}' already exists.", new Dictionary<string, string[]> { ["name"] = [$"A table named '{name}' already exists."] });
            }
            table.Name = name;
        }, ct);
        notifier.Publish(new TableChange(tableId, TableChangeKind.SchemaChanged, [], actorId));
        await using var read = await dbFactory.CreateDbContextAsync(ct);
        return (await TableQueries.LoadSnapshotAsync(read, tableId, ct))!;
    }

    /// <summary>Deletes the table; its fields, records and everything else keyed to it go with it (database cascade).</summary>
    public async Task DeleteAsync(string tableId, string? actorId, CancellationToken ct = default)
    {
        var deleted = await writer.WriteAsync(async session =>
        {
            // Its records first, then the table, whose cascade takes its webhooks, fields and the rest: the lock order
            // of a record write, which locks its record and then its webhooks' keys (its deliveries' foreign key). The
            // cascade alone took the webhooks first, and deadlocked with a record update under way (PostgreSQL;
            // WebhookLockOrderTests).
            await session.Db.Records.Where(r => r.TableId == tableId).ExecuteDeleteAsync(ct);
            return await session.Db.Tables.Where(t => t.Id == tableId).ExecuteDeleteAsync(ct);
        }, ct);
        if (deleted == 0)
        {
            throw TableNotFound(tableId);
        }
        notifier.Publish(new TableChange(tableId, TableChangeKind.TableDeleted, [], actorId));
    }

    public async Task<FieldEntity> UpdateFieldAsync(string tableId, string fieldId, FieldChanges changes, string? actorId, CancellationToken ct = default)
    {
        var field = await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            await LockTableAsync(db, tableId, ct);
            var fields = await db.Fields.Where(f => f.TableId == tableId).ToListAsync(ct);
            var field = fields.FirstOrDefault(f => f.Id == fieldId) ?? throw await FieldNotFoundAsync(db, tableId, fieldId, ct);

            var errors = new Dictionary<string, string[]>();
            var spec = TableRules.CheckField(
                new FieldSpec(changes.Name ?? field.Name, field.Type, changes.Required ?? field.Required, changes.Choices ?? field.Choices),
                "", errors);
            if (changes.Choices is not null && !field.Type.HasChoices())
            {
                errors["options.choices"] = [$"Only select fields have choices; '{field.Name}' is {field.Type.DisplayName().ToLowerInvariant()}."];
            }
            if (fields.Any(f => f.Id != fieldId && string.Equals(f.Name, spec.Name, StringComparison.OrdinalIgnoreCase)))
            {
                errors["name"] = [$"This table already has a field named '{spec.Name}'."];
            }
            TableRules.ThrowIfAny(errors, "The field is not valid.");

            // Values keep living under the field id, so a rename keeps the data. Values of removed choices stay stored
            // (they are not rewritten outside RecordService) and show as plain chips until edited.
            field.Name = spec.Name;
            field.Required = spec.Required;
            field.Hidden = changes.Hidden ?? field.Hidden;
            if (spec.Choices is not null && field.Type.HasChoices())
            {
                field.Choices = spec.Choices.ToList();
            }
            return field;
        }, ct);
        notifier.Publish(new TableChange(tableId, TableChangeKind.SchemaChanged, [], actorId));
        return field;
    }

    /// <summary>Puts the fields in the given order; every field of the table must be listed once.</summary>
    public async Task ReorderFieldsAsync(string tableId, IReadOnlyList<string> fieldIds, string? actorId, CancellationToken ct = default)
    {
        await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            await LockTableAsync(db, tableId, ct);
            var fields = await db.Fields.Where(f => f.TableId == tableId).ToListAsync(ct);
            if (fields.Count == 0 && !await db.Tables.AnyAsync(t => t.Id == tableId, ct))
            {
                throw TableNotFound(tableId);
            }
            if (fieldIds.Count != fields.Count || fieldIds.Distinct().Count() != fields.Count || fieldIds.Any(id => fields.All(f => f.Id != id)))
            {
                throw new BadRequestException("List every field of the table exactly once, by id, in the order you want.");
            }
            var byId = fields.ToDictionary(f => f.Id);
            for (var i = 0; i < fieldIds.Count; i++)
            {
                byId[fieldIds[i]].Order = i;
            }
        }, ct);
        notifier.Publish(new TableChange(tableId, TableChangeKind.SchemaChanged, [], actorId));
    }

    /// <summary>Deletes the field and removes its values from every record of the table in one UPDATE.</summary>
    public async Task DeleteFieldAsync(string tableId, string fieldId, string? actorId, CancellationToken ct = default)
    {
        await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            await LockTableAsync(db, tableId, ct);
            var field = await db.Fields.FirstOrDefaultAsync(f => f.TableId == tableId && f.Id == fieldId, ct)
                ?? throw await FieldNotFoundAsync(db, tableId, fieldId, ct);
            var path = JsonFunctions.FieldPath(field.Id);
            await db.Records
                .Where(r => r.TableId == tableId && JsonFunctions.Value(r.Data, path) != null)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Data, r => JsonFunctions.Remove(r.Data, path)), ct);
            db.Fields.Remove(field);
            await db.SaveChangesAsync(ct);
        }, ct);
        notifier.Publish(new TableChange(tableId, TableChangeKind.SchemaChanged, [], actorId));
    }

    private static NotFoundException TableNotFound(string tableId) => new($"Table '{tableId}' does not exist.");

    private static async Task<NotFoundException> FieldNotFoundAsync(AppDbContext db, string tableId, string fieldId, CancellationToken ct) =>
        await db.Tables.AnyAsync(t => t.Id == tableId, ct)
            ? new NotFoundException($"Field '{fieldId}' does not exist in table '{tableId}'.")
            : TableNotFound(tableId);
}
