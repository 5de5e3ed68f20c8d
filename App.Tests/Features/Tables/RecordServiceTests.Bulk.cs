using Microsoft.EntityFrameworkCore;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary>Bulk creates, updates and deletes: all or nothing, one bulk event.</summary>
public sealed partial class RecordServiceTests
{
    // bulk

    private static List<RecordInput> Deals(int count) =>
        Enumerable.Range(0, count).Select(i => Input($$"""{"Deal":"Deal {{i}}","Value":{{i}}}""")).ToList();

    [Fact]
    public async Task BulkCreate_Fifty_WritesAll_WithOneBulkEventOverFiftyCreatedEvents()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);

        var created = await Records.BulkCreateAsync(table.Id, Deals(50), null);

        Assert.Equal(50, created.Count);
        Assert.Equal(50, created.Select(r => r.Id).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"Deal {i}"), created.Select(r => r.Values[FieldId(table, "Deal")]!.GetValue<string>()));
        Assert.Equal(50, await CountAsync(table.Id));
        var recorded = Assert.Single(factory.Sink.For(table.Id));
        Assert.Equal(ChangeKind.Created, recorded.Batch.BulkKind);
        Assert.StartsWith("evt_", recorded.Batch.BulkEventId);
        Assert.Equal(50, recorded.Batch.Changes.Count);
        Assert.All(recorded.Batch.Changes, c => Assert.Equal(ChangeKind.Created, c.Kind));
        Assert.Equal(51, recorded.Batch.Changes.Select(c => c.EventId).Append(recorded.Batch.BulkEventId!).Distinct().Count());
        Assert.Equal(50, recorded.PendingRecordWrites);
    }

    [Fact]
    public async Task BulkCreate_OneBadItemInFifty_WritesNone_AndTheErrorCarriesItsIndex()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var inputs = Deals(50);
        inputs[37] = Input("""{"Deal":"Bad","Value":"n/a"}""");

        var ex = await Assert.ThrowsAsync<RecordValidationException>(() => Records.BulkCreateAsync(table.Id, inputs, null));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(37, error.Index);
        Assert.Equal("Value", error.Field);
        Assert.StartsWith("#37: Value: expects a number", ex.Message);
        Assert.Equal(0, await CountAsync(table.Id));
        Assert.Empty(factory.Sink.For(table.Id));
    }

    [Fact]
    public async Task BulkCreate_MissingRequiredInTwoItems_ReportsBothIndexes()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var inputs = Deals(5);
        inputs[1] = Input("""{"Value":1}""");
        inputs[4] = Input("""{"Deal":""}""");

        var ex = await Assert.ThrowsAsync<RecordValidationException>(() => Records.BulkCreateAsync(table.Id, inputs, null));

        Assert.Equal([1, 4], ex.Errors.Select(e => e.Index!.Value).Order());
        Assert.All(ex.Errors, e => Assert.Equal(new FieldError("Deal", "is required", e.Index), e));
        Assert.Equal(0, await CountAsync(table.Id));
    }

    [Fact]
    public async Task BulkUpdate_ChangesEveryRecord_WithOneBulkUpdatedEvent_AndSkipsRecordsThatDidNotChange()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await Records.BulkCreateAsync(table.Id, Deals(3), null);

        var updated = await Records.BulkUpdateAsync(table.Id,
        [
            new RecordPatch(created[2].Id, Values("""{"Stage":"Won"}""")),
            new RecordPatch(created[0].Id, Values("""{"Value":"0"}""")), // already 0: no change
            new RecordPatch(created[1].Id, Values("""{"Value":100}""")),
        ], null);

        Assert.Equal([created[2].Id, created[0].Id, created[1].Id], updated.Select(r => r.Id));
        Assert.Equal("Won", updated[0].Values[FieldId(table, "Stage")]!.GetValue<string>());
        Assert.Equal(100m, updated[2].Values[FieldId(table, "Value")]!.GetValue<decimal>());
        var batch = factory.Sink.For(table.Id)[1].Batch;
        Assert.Equal(ChangeKind.Updated, batch.BulkKind);
        Assert.NotNull(batch.BulkEventId);
        Assert.Equal([created[2].Id, created[1].Id], batch.Changes.Select(c => c.Record.Id));
        Assert.Equal(1m, batch.Changes[1].Previous![FieldId(table, "Value")]!.GetValue<decimal>());
        Assert.Equal([FieldId(table, "Value")], batch.Changes[1].ChangedFieldIds);
    }

    [Fact]
    public async Task BulkUpdate_ThatChangesNothing_FiresNothing()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await Records.BulkCreateAsync(table.Id, Deals(2), null);

        var result = await Records.BulkUpdateAsync(table.Id, created.Select(r => new RecordPatch(r.Id, Values("""{"Stage":null}"""))).ToList(), null);

        Assert.Equal(2, result.Count);
        Assert.Single(factory.Sink.For(table.Id));
    }

    [Fact]
    public async Task BulkUpdate_OneBadItem_ChangesNone_AndTheErrorCarriesItsIndex()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await Records.BulkCreateAsync(table.Id, Deals(10), null);
        var patches = created.Select(r => new RecordPatch(r.Id, Values("""{"Stage":"Won"}"""))).ToList();
        patches[6] = new RecordPatch(created[6].Id, Values("""{"Stage":"Nope"}"""));

        var ex = await Assert.ThrowsAsync<RecordValidationException>(() => Records.BulkUpdateAsync(table.Id, patches, null));

        Assert.Equal(6, Assert.Single(ex.Errors).Index);
        await using var db = await DbAsync();
        var rows = await db.Records.Where(r => r.TableId == table.Id).Select(r => r.Data).ToListAsync();
        Assert.Equal(10, rows.Count);
        Assert.All(rows, data => Assert.DoesNotContain("Won", data));
        Assert.Single(factory.Sink.For(table.Id));
    }

    [Fact]
    public async Task BulkUpdate_SameRecordTwice_IsRejected()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await CreateDealAsync(table);

        var ex = await Assert.ThrowsAsync<RecordValidationException>(() => Records.BulkUpdateAsync(table.Id,
            [new RecordPatch(created.Id, Values("""{"Stage":"Won"}""")), new RecordPatch(created.Id, Values("""{"Stage":"Lost"}"""))], null));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(1, error.Index);
        Assert.Contains("more than once", error.Message);
        Assert.Contains("Lead", (await RowAsync(created.Id)).Data);
    }

    [Fact]
    public async Task BulkUpdate_UnknownId_IsNotFound_AndChangesNone()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await CreateDealAsync(table);

        await Assert.ThrowsAsync<NotFoundException>(() => Records.BulkUpdateAsync(table.Id,
            [new RecordPatch(created.Id, Values("""{"Stage":"Won"}""")), new RecordPatch("rec_missing", Values("""{"Stage":"Won"}"""))], null));

        Assert.Contains("Lead", (await RowAsync(created.Id)).Data);
    }

    [Fact]
    public async Task BulkDelete_DeletesAll_WithOneBulkDeletedEventCarryingLastValues()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await Records.BulkCreateAsync(table.Id, Deals(4), null);

        var deleted = await Records.BulkDeleteAsync(table.Id, [created[0].Id, created[3].Id], null);

        Assert.Equal(2, deleted);
        Assert.Equal(2, await CountAsync(table.Id));
        var batch = factory.Sink.For(table.Id)[1].Batch;
        Assert.Equal(ChangeKind.Deleted, batch.BulkKind);
        Assert.NotNull(batch.BulkEventId);
        Assert.Equal(new[] { created[0].Id, created[3].Id }.Order(), batch.Changes.Select(c => c.Record.Id).Order());
        Assert.All(batch.Changes, c => Assert.Equal(ChangeKind.Deleted, c.Kind));
        Assert.Equal(["Deal 0", "Deal 3"], batch.Changes.Select(c => c.Record.Values[FieldId(table, "Deal")]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task BulkDelete_WithAnUnknownId_DeletesNothing()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await Records.BulkCreateAsync(table.Id, Deals(3), null);

        var ex = await Assert.ThrowsAsync<NotFoundException>(() => Records.BulkDeleteAsync(table.Id, [created[0].Id, "rec_missing"], null));

        Assert.Contains("rec_missing", ex.Message);
        Assert.Equal(3, await CountAsync(table.Id));
        Assert.Single(factory.Sink.For(table.Id));
    }
}
