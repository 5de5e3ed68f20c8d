using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Realtime;

namespace Undb.Features.Tables;

/// <summary>A field as the user describes it when creating or changing it.</summary>
public sealed record FieldSpec(string Name, FieldType Type, bool Required = false, IReadOnlyList<string>? Choices = null);

/// <summary>Changes to an existing field; null leaves that part as it is.</summary>
public sealed record FieldChanges(string? Name = null, bool? Required = null, bool? Hidden = null, IReadOnlyList<string>? Choices = null);

/// <summary>Tables and their fields: create, read, rename, change. Records go through <see cref="RecordService"/>.</summary>
public sealed partial class TableService(IDbContextFactory<AppDbContext> dbFactory, DataWriter writer, TableChangeNotifier notifier, TimeProvider time)
{
    public const int MaxNameLength = 200;

    public async Task<IReadOnlyList<TableSnapshot>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tables = await db.Tables.AsNoTracking().OrderBy(t => t.Name).Select(t => new { t.Id, t.Name }).ToListAsync(ct);
        var fields = await db.Fields.AsNoTracking().OrderBy(f => f.Order).ToListAsync(ct);
        var byTable = fields.ToLookup(f => f.TableId);
        return tables.Select(t => new TableSnapshot(t.Id, t.Name, byTable[t.Id].ToList())).ToList();
    }

    public async Task<TableSnapshot?> GetAsync(string tableId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await TableQueries.LoadSnapshotAsync(db, tableId, ct);
    }

    public async Task<TableSnapshot> CreateAsync(string name, IReadOnlyList<FieldSpec> fields, string? actorId, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        name = TableRules.CheckName(name, "name", errors);
        var normalized = new List<FieldSpec>();
        for (var i = 0; i < fields.Count; i++)
        {
            normalized.Add(TableRules.CheckField(fields[i], $"fields[{i}]", errors));
        }
        foreach (var dup in normalized.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1 && g.Key.Length > 0))
        {
            errors[$"fields"] = [$"Field name '{dup.Key}' is used more than once."];
        }
        TableRules.ThrowIfAny(errors, "The table is not valid.");

        var table = await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            if (await NameTakenAsync(db, name, null, ct))
            {
                throw new BadRequestException($"A table named '{name}' already exists.", new Dictionary<string, string[]> { ["name"] = [$"A table named '{name}' already exists."] });
            }
            var table = new TableEntity { Name = name, CreatedAt = time.GetUtcNow(), CreatedById = actorId };
            for (var i = 0; i < normalized.Count; i++)
            {
                table.Fields.Add(ToEntity(table.Id, normalized[i], i));
            }
            db.Tables.Add(table);
            return table;
        }, ct);
        notifier.Publish(new TableChange(table.Id, TableChangeKind.TableCreated, [], actorId));
        return new TableSnapshot(table.Id, table.Name, table.Fields.ToList());
    }

    public async Task<FieldEntity> AddFieldAsync(string tableId, FieldSpec spec, string? actorId, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        spec = TableRules.CheckField(spec, "", errors);
        TableRules.ThrowIfAny(errors, "The field is not valid.");

        var field = await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            await LockTableAsync(db, tableId, ct);
            var existing = await db.Fields.Where(f => f.TableId == tableId).ToListAsync(ct);
            if (existing.Count == 0 && !await db.Tables.AnyAsync(t => t.Id == tableId, ct))
            {
                throw new NotFoundException($"Table '{tableId}' does not exist.");
            }
            if (existing.Any(f => string.Equals(f.Name, spec.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new BadRequestException($"This table already has a field named '{spec.Name}'.", new Dictionary<string, string[]> { ["name"] = [$"This table already has a field named '{spec.Name}'."] });
            }
            var field = ToEntity(tableId, spec, existing.Count == 0 ? 0 : existing.Max(f => f.Order) + 1);
            db.Fields.Add(field);
            return field;
        }, ct);
        notifier.Publish(new TableChange(tableId, TableChangeKind.SchemaChanged, [], actorId));
        return field;
    }

    /// <summary>
    /// Locks the table's row for the rest of the write, so schema changes to one table take turns on every engine
    /// (checks such as "no other field has this name" hold until the commit). False if there is no such table.
    /// </summary>
    private static async Task<bool> LockTableAsync(AppDbContext db, string tableId, CancellationToken ct) =>
        await db.Tables.Where(t => t.Id == tableId).Select(t => t.Id).ForUpdate().FirstOrDefaultAsync(ct) is not null;

    internal static async Task<bool> NameTakenAsync(AppDbContext db, string name, string? exceptId, CancellationToken ct)
    {
        var names = await db.Tables.Where(t => t.Id != exceptId).Select(t => t.Name).ToListAsync(ct);
        return names.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
    }

    private static FieldEntity ToEntity(string tableId, FieldSpec spec, int order) => new()
    {
        TableId = tableId,
        Name = spec.Name,
        Type = spec.Type,
        Required = spec.Required,
        Choices = spec.Choices?.ToList() ?? [],
        Order = order,
    };
}
