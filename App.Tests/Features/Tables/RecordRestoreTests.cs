using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary>
/// The grid's undo of a deletion brings the records back as they were (<see cref="RecordService.RestoreAsync"/>), and
/// its undo of an addition deletes a record only while nobody has changed it (<see cref="RecordService.DeleteIfUnchangedAsync"/>).
/// </summary>
[Trait("Engines", "Both")]
public sealed class RecordRestoreTests(RecordingUndbFactory factory) : IClassFixture<RecordingUndbFactory>
{
    private RecordService Records => factory.Services.GetRequiredService<RecordService>();

    private async Task<RecordEntity?> StoredAsync(string recordId)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Records.AsNoTracking().SingleOrDefaultAsync(r => r.Id == recordId);
    }

    [Fact]
    public async Task ADeletedRecord_ComesBackWithItsId_ValuesAndCreationTime_AsACreatedEvent_AndItsHistoryGoesOn()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var record = await Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme","Value":1200,"Tags":["hot","vip"]}"""), null);
        factory.Time.Advance(TimeSpan.FromMinutes(5));
        var deleted = await Records.DeleteAsync(table.Id, record.Id, null);
        Assert.Null(await StoredAsync(record.Id));
        factory.Time.Advance(TimeSpan.FromMinutes(5));

        var restored = Assert.Single(await Records.RestoreAsync(table.Id, [deleted], null));

        Assert.Equal(record.Id, restored.Id);
        Assert.True(JsonNode.DeepEquals(record.Values, restored.Values));
        var stored = await StoredAsync(record.Id);
        Assert.NotNull(stored);
        Assert.True(JsonNode.DeepEquals(record.Values, JsonNode.Parse(stored.Data)));
        Assert.Equal(record.CreatedAt, stored.CreatedAt);
        Assert.Equal(factory.Time.GetUtcNow(), stored.UpdatedAt);
        var batches = factory.Sink.For(table.Id);
        Assert.Equal([ChangeKind.Created, ChangeKind.Deleted, ChangeKind.Created], batches.Select(b => b.Batch.Changes.Single().Kind));
        Assert.Null(batches[^1].Batch.BulkKind);
        // What subscribers are sent (the outbox builds the payload from it): the old id and creation time.
        var sent = batches[^1].Batch.Changes.Single().Record;
        Assert.Equal((record.Id, record.CreatedAt), (sent.Id, sent.CreatedAt));
        var history = await factory.Services.GetRequiredService<RecordHistoryService>().ListAsync(table.Id, record.Id);
        Assert.Equal(["created", "deleted", "created"], history.Select(h => h.Kind).Reverse());
    }

    [Fact]
    public async Task RestoringARecordThatIsThere_IsAConflict_AndWritesAndFiresNothing()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var first = await Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme"}"""), null);
        var second = await Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Globex"}"""), null);
        var deleted = await Records.DeleteAsync(table.Id, second.Id, null);
        var fired = factory.Sink.For(table.Id).Count;

        // The one that was never deleted makes the whole operation a conflict: the deleted one stays deleted too.
        var conflict = await Assert.ThrowsAsync<ConflictException>(() => Records.RestoreAsync(table.Id, [deleted, first], null));

        Assert.Equal(first.Id, conflict.Extensions["record"]);
        Assert.Null(await StoredAsync(second.Id));
        Assert.Equal(fired, factory.Sink.For(table.Id).Count);
    }

    [Fact]
    public async Task SeveralRecords_ComeBackAsOneBulkEvent_WithoutTheValuesOfAFieldDeletedSince()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var records = await Records.BulkCreateAsync(table.Id,
            [TablesSeed.Input("""{"Deal":"Acme","Notes":"call back"}"""), TablesSeed.Input("""{"Deal":"Globex","Notes":"met"}""")], null);
        var deleted = await Records.BulkDeleteReturningAsync(table.Id, records.Select(r => r.Id).ToList(), null);
        var notes = table.Fields.Single(f => f.Name == "Notes").Id;
        await factory.Services.GetRequiredService<TableService>().DeleteFieldAsync(table.Id, notes, null);

        var restored = await Records.RestoreAsync(table.Id, deleted, null);

        Assert.Equal(records.Select(r => r.Id).Order(StringComparer.Ordinal), restored.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.All(restored, r => Assert.False(r.Values.ContainsKey(notes)));
        Assert.Equal(ChangeKind.Created, factory.Sink.For(table.Id)[^1].Batch.BulkKind);
        Assert.Equal("Acme", JsonNode.Parse((await StoredAsync(records[0].Id))!.Data)![table.Fields.Single(f => f.Name == "Deal").Id]!.GetValue<string>());
    }

    [Fact]
    public async Task AValueTheFieldNoLongerAllows_RefusesTheRestore()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var record = await Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme","Stage":"Won"}"""), null);
        var deleted = await Records.DeleteAsync(table.Id, record.Id, null);
        await factory.Services.GetRequiredService<TableService>().UpdateFieldAsync(table.Id, table.Fields.Single(f => f.Name == "Stage").Id,
            new FieldChanges(Choices: ["Lead", "Lost"]), null);

        var refused = await Assert.ThrowsAsync<RecordValidationException>(() => Records.RestoreAsync(table.Id, [deleted], null));

        Assert.Equal("Stage", Assert.Single(refused.Errors).Field);
        Assert.Null(await StoredAsync(record.Id));
    }

    [Fact]
    public async Task DeleteIfUnchanged_DeletesRecordsAsTheyWere_AndRefusesAllIfOneWasChanged()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var records = await Records.BulkCreateAsync(table.Id, [TablesSeed.Input("""{"Deal":"Acme"}"""), TablesSeed.Input("""{"Deal":"Globex"}""")], null);
        await Records.UpdateAsync(table.Id, new RecordPatch(records[1].Id, TablesSeed.Values("""{"Value":5}""")), null);
        var fired = factory.Sink.For(table.Id).Count;

        var conflict = await Assert.ThrowsAsync<ConflictException>(() => Records.DeleteIfUnchangedAsync(table.Id, records, null));

        Assert.Equal(records[1].Id, conflict.Extensions["record"]);
        Assert.NotNull(await StoredAsync(records[0].Id));
        Assert.Equal(fired, factory.Sink.For(table.Id).Count);

        var deleted = await Records.DeleteIfUnchangedAsync(table.Id, [records[0]], null);
        Assert.Equal(records[0].Id, Assert.Single(deleted).Id);
        Assert.Null(await StoredAsync(records[0].Id));
        Assert.NotNull(await StoredAsync(records[1].Id));
    }

    [Fact]
    public async Task DeleteIfUnchanged_IgnoresTheValuesOfAFieldDeletedSince()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var record = await Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme","Notes":"call back"}"""), null);
        await factory.Services.GetRequiredService<TableService>().DeleteFieldAsync(table.Id, table.Fields.Single(f => f.Name == "Notes").Id, null);

        Assert.Single(await Records.DeleteIfUnchangedAsync(table.Id, [record], null));
        Assert.Null(await StoredAsync(record.Id));
    }
}
