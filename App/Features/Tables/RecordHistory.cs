using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Undb.Data;
using Undb.Features.Accounts;

namespace Undb.Features.Tables;

/// <summary>One change to one record: who made it, which way it came in, and each field's value before and after.</summary>
public sealed class RecordHistoryEntity
{
    public required string Id { get; set; }
    public required string TableId { get; set; }
    public required string RecordId { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Kind { get; set; }
    public string? ActorId { get; set; }
    /// <summary>"app", "API token 'CRM sync'", "incoming webhook 'Stripe'", "CSV import" (<see cref="ChangeOrigin"/>).</summary>
    public string? Via { get; set; }
    /// <summary>JSON array of <see cref="FieldChange"/>, with the field's name at the time.</summary>
    public required string Changes { get; set; }
}

public sealed record FieldChange(string FieldId, string Field, JsonNode? From, JsonNode? To);

public sealed record RecordHistoryItem(string Id, DateTimeOffset At, string Kind, UserRef? Actor, string? Via, IReadOnlyList<FieldChange> Changes);

internal sealed class RecordHistoryConfiguration : IEntityTypeConfiguration<RecordHistoryEntity>
{
    public void Configure(EntityTypeBuilder<RecordHistoryEntity> b)
    {
        b.ToTable("RecordHistory");
        b.HasKey(h => h.Id);
        b.HasIndex(h => new { h.TableId, h.RecordId, h.Id });
        b.Property(h => h.Kind).HasMaxLength(16);
        b.Property(h => h.Via).HasMaxLength(200);
        b.HasOne<TableEntity>().WithMany().HasForeignKey(h => h.TableId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>
/// Writes the record history inside RecordService's transaction (a row per changed record, inserted in bulk with the
/// records), so the history can never disagree with the data.
/// </summary>
internal sealed class RecordHistorySink : IRecordChangeSink
{
    public ValueTask<Action?> OnChangesAsync(WriteSession scope, ChangeBatch batch, CancellationToken ct)
    {
        foreach (var change in batch.Changes)
        {
            var fields = change.Kind switch
            {
                ChangeKind.Updated => change.Previous!.Select(p => Field(batch.Table, p.Key, p.Value, change.Record.Values[p.Key])),
                ChangeKind.Created => change.Record.Values.Select(p => Field(batch.Table, p.Key, null, p.Value)),
                _ => change.Record.Values.Select(p => Field(batch.Table, p.Key, p.Value, null)),
            };
            scope.Add(new RecordHistoryEntity
            {
                Id = Ids.New(Ids.History, batch.At),
                TableId = batch.Table.Id,
                RecordId = change.Record.Id,
                At = batch.At,
                Kind = change.Kind.ToString().ToLowerInvariant(),
                ActorId = batch.Actor?.Id,
                Via = batch.Via is { Length: > 200 } via ? via[..200] : batch.Via,
                Changes = JsonSerializer.Serialize(fields.ToList(), JsonOptions),
            });
        }
        return ValueTask.FromResult<Action?>(null);
    }

    private static FieldChange Field(TableSnapshot table, string fieldId, JsonNode? from, JsonNode? to) =>
        new(fieldId, table.FieldById(fieldId)?.Name ?? fieldId, from?.DeepClone(), to?.DeepClone());

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerOptions.Web);
}

/// <summary>Reads a record's history, newest first; field names are today's where the field still exists.</summary>
public sealed class RecordHistoryService(IDbContextFactory<AppDbContext> dbFactory, UserDirectory users, TableSnapshotCache tables)
{
    public async Task<IReadOnlyList<RecordHistoryItem>> ListAsync(string tableId, string recordId, int limit = 100, CancellationToken ct = default)
    {
        var table = await tables.GetAsync(tableId, ct) ?? throw new NotFoundException($"Table '{tableId}' does not exist.");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Set<RecordHistoryEntity>().AsNoTracking()
            .Where(h => h.TableId == tableId && h.RecordId == recordId)
            .OrderByDescending(h => h.Id).Take(Math.Clamp(limit, 1, 500)).ToListAsync(ct);
        if (rows.Count == 0 && !await db.Records.AnyAsync(r => r.TableId == tableId && r.Id == recordId, ct))
        {
            throw new NotFoundException($"Record '{recordId}' does not exist in table '{table.Name}'.");
        }
        var items = new List<RecordHistoryItem>(rows.Count);
        foreach (var row in rows)
        {
            var changes = JsonSerializer.Deserialize<List<FieldChange>>(row.Changes, RecordHistorySink.JsonOptions) ?? [];
            items.Add(new RecordHistoryItem(row.Id, row.At, row.Kind, await users.GetAsync(row.ActorId, ct), row.Via,
                changes.Select(c => c with { Field = table.FieldById(c.FieldId)?.Name ?? c.Field }).ToList()));
        }
        return items;
    }
}
