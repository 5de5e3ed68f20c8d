using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Realtime;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary>The one write path on the real services and a real SQLite file; every test makes its own table.</summary>
[Trait("Engines", "Both")]
public sealed class RecordServiceTests(RecordingUndbFactory factory) : IClassFixture<RecordingUndbFactory>
{
    private RecordService Records => factory.Services.GetRequiredService<RecordService>();

    private TableChangeNotifier Notifier => factory.Services.GetRequiredService<TableChangeNotifier>();

    private static IReadOnlyDictionary<string, JsonNode?> Values(string json) => TablesSeed.Values(json);

    private static RecordInput Input(string json) => TablesSeed.Input(json);

    private static string FieldId(TableSnapshot table, string name) => table.Fields.Single(f => f.Name == name).Id;

    private async Task<AppDbContext> DbAsync() =>
        await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private async Task<int> CountAsync(string tableId)
    {
        await using var db = await DbAsync();
        return await db.Records.CountAsync(r => r.TableId == tableId);
    }

    private async Task<RecordEntity> RowAsync(string recordId)
    {
        await using var db = await DbAsync();
        return await db.Records.AsNoTracking().SingleAsync(r => r.Id == recordId);
    }

    private async Task<RecordSnapshot> CreateDealAsync(TableSnapshot table, string json = """{"Deal":"Acme","Value":1200,"Stage":"Lead"}""") =>
        await Records.CreateAsync(table.Id, Input(json), await factory.AdminIdAsync());

    // create

    [Fact]
    public async Task Create_ValidValues_StoresCoercedValuesByFieldId()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var adminId = await factory.AdminIdAsync();

        var created = await Records.CreateAsync(table.Id, Input("""
            {"Deal":"Acme","Notes":"multi\nline","Value":"1200.50","Won":"TRUE","Stage":"won","Tags":["VIP","hot"],
             "Close":"2026-11-22T17:00:00+02:00","Contact":" ada@example.com ","Site":"https://acme.example"}
            """), adminId);

        Assert.StartsWith("rec_", created.Id);
        var expected = new JsonObject
        {
            [FieldId(table, "Deal")] = "Acme",
            [FieldId(table, "Notes")] = "multi\nline",
            [FieldId(table, "Value")] = 1200.5m,
            [FieldId(table, "Won")] = true,
            [FieldId(table, "Stage")] = "Won",
            [FieldId(table, "Tags")] = new JsonArray("vip", "hot"),
            [FieldId(table, "Close")] = "2026-11-22T15:00:00.000Z",
            [FieldId(table, "Contact")] = "ada@example.com",
            [FieldId(table, "Site")] = "https://acme.example",
        };
        Assert.True(JsonNode.DeepEquals(expected, created.Values), created.Values.ToJsonString());
        Assert.Equal(adminId, created.CreatedBy?.Id);
        Assert.Equal(UndbFactory.AdminEmail, created.CreatedBy?.Username);
        Assert.Equal(factory.Time.GetUtcNow(), created.CreatedAt);
        Assert.Equal(created.CreatedAt, created.UpdatedAt);

        var row = await RowAsync(created.Id);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(row.Data)), row.Data);
        Assert.Equal(adminId, row.CreatedById);
        Assert.Equal(adminId, row.UpdatedById);
    }

    [Fact]
    public async Task Create_KeyedByFieldIdOrNameInAnyCase_IsAccepted()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);

        var created = await Records.CreateAsync(table.Id, new RecordInput(new Dictionary<string, JsonNode?>
        {
            [FieldId(table, "Deal")] = "By id",
            ["value"] = 5,
        }), actorId: null);

        Assert.Equal("By id", created.Values[FieldId(table, "Deal")]!.GetValue<string>());
        Assert.Equal(5m, created.Values[FieldId(table, "Value")]!.GetValue<decimal>());
        Assert.Null(created.CreatedBy);
    }

    [Fact]
    public async Task Create_MissingRequiredValue_ThrowsNamingTheField_AndWritesNothing()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);

        var ex = await Assert.ThrowsAsync<RecordValidationException>(() => Records.CreateAsync(table.Id, Input("""{"Value":1}"""), null));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(new FieldError("Deal", "is required"), error);
        Assert.Contains("Deal: is required", ex.Message);
        Assert.Equal(0, await CountAsync(table.Id));
        Assert.Empty(factory.Sink.For(table.Id));
    }

    [Theory]
    [InlineData("""{"Deal":"Acme","deal":"x"}""", "Deal", "is given more than once")]
    [InlineData("""{"Deal":"   "}""", "Deal", "is required")]
    [InlineData("""{"Deal":null}""", "Deal", "is required")]
    [InlineData("""{"Deal":"Acme","Value":"abc"}""", "Value", "expects a number, got \"abc\"")]
    [InlineData("""{"Deal":"Acme","Won":"maybe"}""", "Won", "expects true or false, got \"maybe\"")]
    [InlineData("""{"Deal":"Acme","Stage":"Maybe"}""", "Stage", "expects one of \"Lead\", \"Discovery\", \"Won\", \"Lost\", got \"Maybe\"")]
    [InlineData("""{"Deal":"Acme","Close":"11/22/2026"}""", "Close", "expects an ISO 8601 date")]
    [InlineData("""{"Deal":"Acme","Site":"javascript:alert(1)"}""", "Site", "expects an absolute http(s) URL")]
    [InlineData("""{"Deal":{"name":"Acme"}}""", "Deal", "expects text, got an object")]
    public async Task Create_InvalidValue_ThrowsNamingFieldAndProblem_AndWritesNothing(string json, string field, string problem)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);

        var ex = await Assert.ThrowsAsync<RecordValidationException>(() => Records.CreateAsync(table.Id, Input(json), null));

        Assert.Contains(ex.Errors, e => e.Field == field && e.Message.Contains(problem) && e.Index is null);
        Assert.Equal(0, await CountAsync(table.Id));
        Assert.Empty(factory.Sink.For(table.Id));
    }

    [Fact]
    public async Task Create_SeveralBadValues_ReportsEveryOne()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);

        var ex = await Assert.ThrowsAsync<RecordValidationException>(() => Records.CreateAsync(table.Id, Input("""{"Value":"abc","Won":3}"""), null));

        Assert.Equal(["Deal", "Value", "Won"], ex.Errors.Select(e => e.Field).Order());
    }

    [Fact]
    public async Task Create_UnknownField_IsRejectedNamingIt()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);

        var ex = await Assert.ThrowsAsync<RecordValidationException>(() => Records.CreateAsync(table.Id, Input("""{"Deal":"Acme","Colour":"red"}"""), null));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("Colour", error.Field);
        Assert.Contains($"is not a field of table '{table.Name}'", error.Message);
        Assert.Equal(0, await CountAsync(table.Id));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("createdAt")]
    [InlineData("createdBy")]
    [InlineData("updatedAt")]
    [InlineData("UpdatedBy")]
    public async Task Create_SystemField_IsRejected(string systemField)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);

        var ex = await Assert.ThrowsAsync<RecordValidationException>(() =>
            Records.CreateAsync(table.Id, new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = "Acme", [systemField] = "x" }), null));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(systemField, error.Field);
        Assert.Equal("is set by the system and cannot be written", error.Message);
        Assert.Equal(0, await CountAsync(table.Id));
    }

    [Fact]
    public async Task Create_UnknownTable_IsNotFound()
    {
        var ex = await Assert.ThrowsAsync<NotFoundException>(() => Records.CreateAsync("tbl_missing", Input("""{"Deal":"x"}"""), null));
        Assert.Contains("tbl_missing", ex.Message);
    }

    [Fact]
    public async Task Create_ProducesOneCreatedEvent_InsideTheTransaction()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);

        var created = await CreateDealAsync(table);

        var recorded = Assert.Single(factory.Sink.For(table.Id));
        Assert.True(recorded.InTransaction);
        Assert.Equal(1, recorded.PendingRecordWrites);
        var batch = recorded.Batch;
        Assert.Null(batch.BulkKind);
        Assert.Null(batch.BulkEventId);
        Assert.Equal(await factory.AdminIdAsync(), batch.Actor?.Id);
        Assert.Equal(table.Name, batch.Table.Name);
        var change = Assert.Single(batch.Changes);
        Assert.StartsWith("evt_", change.EventId);
        Assert.Equal(ChangeKind.Created, change.Kind);
        Assert.Equal(created.Id, change.Record.Id);
        Assert.Null(change.Previous);
        Assert.Equal(new[] { "Deal", "Value", "Stage" }.Select(n => FieldId(table, n)).Order(), change.ChangedFieldIds.Order());
    }

    // update

    [Fact]
    public async Task Update_ChangesNamedValues_KeepsTheRest_AndRecordsPreviousValuesOfChangedFieldsOnly()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await CreateDealAsync(table);
        factory.Time.Advance(TimeSpan.FromMinutes(5));

        var updated = await Records.UpdateAsync(table.Id, new RecordPatch(created.Id, Values("""{"Stage":"Won","Value":"1200","Won":true}""")), null);

        Assert.Equal("Won", updated.Values[FieldId(table, "Stage")]!.GetValue<string>());
        Assert.Equal("Acme", updated.Values[FieldId(table, "Deal")]!.GetValue<string>());
        Assert.True(updated.Values[FieldId(table, "Won")]!.GetValue<bool>());
        Assert.Equal(created.CreatedAt, updated.CreatedAt);
        Assert.Equal(created.CreatedAt + TimeSpan.FromMinutes(5), updated.UpdatedAt);
        Assert.NotNull(updated.CreatedBy);
        Assert.Null(updated.UpdatedBy);

        var row = await RowAsync(created.Id);
        Assert.Equal(updated.UpdatedAt, row.UpdatedAt);
        Assert.Null(row.UpdatedById);
        Assert.True(JsonNode.DeepEquals(updated.Values, JsonNode.Parse(row.Data)));

        var change = Assert.Single(factory.Sink.For(table.Id)[1].Batch.Changes);
        Assert.Equal(ChangeKind.Updated, change.Kind);
        // Value 1200 -> "1200" is no change; Stage changed from Lead; Won had no value before.
        var expectedPrevious = new JsonObject { [FieldId(table, "Stage")] = "Lead", [FieldId(table, "Won")] = null };
        Assert.True(JsonNode.DeepEquals(expectedPrevious, change.Previous), change.Previous?.ToJsonString());
        Assert.Equal(new[] { FieldId(table, "Stage"), FieldId(table, "Won") }.Order(), change.ChangedFieldIds.Order());
    }

    [Fact]
    public async Task Update_ThatChangesNoValue_IsNotAChange()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await CreateDealAsync(table);
        var heard = new List<TableChange>();
        using var subscription = Notifier.Subscribe(table.Id, c => { lock (heard) { heard.Add(c); } return Task.CompletedTask; });
        factory.Time.Advance(TimeSpan.FromMinutes(5));

        // Same values, spelled differently: "1200" for 1200 and "lead" for Lead.
        var result = await Records.UpdateAsync(table.Id, new RecordPatch(created.Id, Values("""{"Value":"1200","Stage":"lead","Deal":"Acme"}""")), null);

        Assert.Equal(created.UpdatedAt, result.UpdatedAt);
        Assert.Equal(created.UpdatedAt, (await RowAsync(created.Id)).UpdatedAt);
        Assert.Single(factory.Sink.For(table.Id)); // only the create

        // A real change afterwards is heard, so the no-op would have been heard too.
        var signal = new TaskCompletionSource<TableChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var probe = Notifier.Subscribe(table.Id, c => { signal.TrySetResult(c); return Task.CompletedTask; });
        await Records.UpdateAsync(table.Id, new RecordPatch(created.Id, Values("""{"Value":1}""")), null);
        await signal.Task.WaitAsync(TimeSpan.FromSeconds(30));
        lock (heard)
        {
            var only = Assert.Single(heard);
            Assert.Equal([created.Id], only.RecordIds);
        }
        Assert.Equal(2, factory.Sink.For(table.Id).Count);
    }

    [Fact]
    public async Task Update_EmptyPatch_IsNotAChange()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await CreateDealAsync(table);

        var result = await Records.UpdateAsync(table.Id, new RecordPatch(created.Id, Values("{}")), null);

        Assert.Equal(created.Id, result.Id);
        Assert.Single(factory.Sink.For(table.Id));
    }

    [Fact]
    public async Task Update_ClearingAnOptionalValue_RemovesIt_AndRecordsTheOldValue()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await CreateDealAsync(table);

        var updated = await Records.UpdateAsync(table.Id, new RecordPatch(created.Id, Values("""{"Stage":null}""")), null);

        Assert.False(updated.Values.ContainsKey(FieldId(table, "Stage")));
        Assert.DoesNotContain(FieldId(table, "Stage"), (await RowAsync(created.Id)).Data);
        var change = Assert.Single(factory.Sink.For(table.Id)[1].Batch.Changes);
        Assert.Equal("Lead", change.Previous![FieldId(table, "Stage")]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_ClearingARequiredValue_IsRejected_AndWritesNothing()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await CreateDealAsync(table);
        var before = await RowAsync(created.Id);

        var ex = await Assert.ThrowsAsync<RecordValidationException>(() =>
            Records.UpdateAsync(table.Id, new RecordPatch(created.Id, Values("""{"Deal":"","Stage":"Won"}""")), null));

        Assert.Equal(new FieldError("Deal", "is required"), Assert.Single(ex.Errors));
        Assert.Equal(before.Data, (await RowAsync(created.Id)).Data);
        Assert.Single(factory.Sink.For(table.Id));
    }

    [Fact]
    public async Task Update_WrongType_IsRejected_AndTheOtherValuesAreNotWrittenEither()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await CreateDealAsync(table);
        var before = await RowAsync(created.Id);

        var ex = await Assert.ThrowsAsync<RecordValidationException>(() =>
            Records.UpdateAsync(table.Id, new RecordPatch(created.Id, Values("""{"Deal":"Renamed","Value":"lots"}""")), null));

        Assert.Equal("Value", Assert.Single(ex.Errors).Field);
        var after = await RowAsync(created.Id);
        Assert.Equal(before.Data, after.Data);
        Assert.Equal(before.UpdatedAt, after.UpdatedAt);
    }

    [Fact]
    public async Task Update_UnknownRecord_IsNotFound()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);

        var ex = await Assert.ThrowsAsync<NotFoundException>(() => Records.UpdateAsync(table.Id, new RecordPatch("rec_missing", Values("""{"Deal":"x"}""")), null));

        Assert.Contains("rec_missing", ex.Message);
    }

    [Fact]
    public async Task Update_RecordOfAnotherTable_IsNotFound_AndLeavesItAlone()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var other = await TablesSeed.DealsAsync(factory.Services);
        var record = await CreateDealAsync(other);

        await Assert.ThrowsAsync<NotFoundException>(() => Records.UpdateAsync(table.Id, new RecordPatch(record.Id, Values("""{"Deal":"Hijacked"}""")), null));

        Assert.Contains("Acme", (await RowAsync(record.Id)).Data);
    }

    // delete

    [Fact]
    public async Task Delete_RemovesTheRecord_AndItsEventCarriesTheLastValues()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await CreateDealAsync(table);
        await Records.UpdateAsync(table.Id, new RecordPatch(created.Id, Values("""{"Stage":"Discovery"}""")), null);

        await Records.DeleteAsync(table.Id, created.Id, await factory.AdminIdAsync());

        Assert.Equal(0, await CountAsync(table.Id));
        var batch = factory.Sink.For(table.Id)[2].Batch;
        Assert.Null(batch.BulkKind);
        var change = Assert.Single(batch.Changes);
        Assert.Equal(ChangeKind.Deleted, change.Kind);
        Assert.Equal(created.Id, change.Record.Id);
        Assert.Equal("Discovery", change.Record.Values[FieldId(table, "Stage")]!.GetValue<string>());
        Assert.Equal("Acme", change.Record.Values[FieldId(table, "Deal")]!.GetValue<string>());
        Assert.Null(change.Previous);
    }

    [Fact]
    public async Task Delete_UnknownRecord_IsNotFound()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        await CreateDealAsync(table);

        await Assert.ThrowsAsync<NotFoundException>(() => Records.DeleteAsync(table.Id, "rec_missing", null));

        Assert.Equal(1, await CountAsync(table.Id));
    }

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

    // the sink: inside the transaction

    [Fact]
    public async Task Sink_Throwing_RollsBackTheWholeOperation()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var existing = await CreateDealAsync(table);
        factory.Sink.Behaviours[table.Id] = (_, _) => throw new InvalidOperationException("outbox unavailable");
        var heard = 0;
        using var subscription = Notifier.Subscribe(table.Id, _ => { Interlocked.Increment(ref heard); return Task.CompletedTask; });

        await Assert.ThrowsAsync<InvalidOperationException>(() => CreateDealAsync(table));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Records.BulkCreateAsync(table.Id, Deals(5), null));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Records.UpdateAsync(table.Id, new RecordPatch(existing.Id, Values("""{"Stage":"Won"}""")), null));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Records.DeleteAsync(table.Id, existing.Id, null));

        Assert.Equal(1, await CountAsync(table.Id));
        Assert.Contains("Lead", (await RowAsync(existing.Id)).Data);
        Assert.Equal(0, Volatile.Read(ref heard));
    }

    [Fact]
    public async Task Sink_RowsItAdds_CommitWithTheRecords_OrNotAtAll()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var fail = false;
        factory.Sink.Behaviours[table.Id] = (scope, batch) =>
        {
            // A stand-in for an outbox row: any entity added to the write path's context.
            scope.Db.Tables.Add(new TableEntity { Name = "outbox " + batch.Changes[0].Record.Values[FieldId(table, "Deal")] });
            return fail ? throw new InvalidOperationException("after adding its row") : null;
        };

        await Records.CreateAsync(table.Id, Input("""{"Deal":"kept"}"""), null);
        fail = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Records.CreateAsync(table.Id, Input("""{"Deal":"dropped"}"""), null));

        await using var db = await DbAsync();
        Assert.True(await db.Tables.AnyAsync(t => t.Name == "outbox kept"));
        Assert.False(await db.Tables.AnyAsync(t => t.Name == "outbox dropped"));
        Assert.Equal(1, await CountAsync(table.Id));
    }

    [Fact]
    public async Task Sink_PostCommitAction_RunsAfterTheCommit_AndItsFailureDoesNotUndoTheChange()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var dbFactory = factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var countsSeenAfterCommit = new List<int>();
        factory.Sink.Behaviours[table.Id] = (_, _) => () =>
        {
            using var db = dbFactory.CreateDbContext();
            countsSeenAfterCommit.Add(db.Records.Count(r => r.TableId == table.Id));
            throw new InvalidOperationException("the wake-up failed");
        };

        var created = await CreateDealAsync(table);

        Assert.Equal([1], countsSeenAfterCommit);
        Assert.Equal(created.Id, (await RowAsync(created.Id)).Id);
    }

    // the notifier: after the commit

    [Fact]
    public async Task Notifier_IsPublishedAfterTheCommit_WithTheChangedRecordIds()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var seen = new TaskCompletionSource<(TableChange Change, int Count)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = Notifier.Subscribe(table.Id, async change =>
        {
            // A fresh context sees only committed data.
            seen.TrySetResult((change, await CountAsync(table.Id)));
        });
        var adminId = await factory.AdminIdAsync();

        var created = await Records.BulkCreateAsync(table.Id, Deals(3), adminId);

        var (change, count) = await seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, count);
        Assert.Equal(table.Id, change.TableId);
        Assert.Equal(TableChangeKind.RecordsChanged, change.Kind);
        Assert.Equal(created.Select(r => r.Id), change.RecordIds);
        Assert.Equal(adminId, change.ActorId);
    }

    [Fact]
    public async Task Notifier_DisposedSubscription_GetsNothing_WhileALiveOneDoes()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var disposedHeard = 0;
        var disposed = Notifier.Subscribe(table.Id, _ => { Interlocked.Increment(ref disposedHeard); return Task.CompletedTask; });
        var live = new TaskCompletionSource<TableChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var liveSubscription = Notifier.Subscribe(table.Id, c => { live.TrySetResult(c); return Task.CompletedTask; });
        disposed.Dispose();

        var created = await CreateDealAsync(table);

        Assert.Equal([created.Id], (await live.Task.WaitAsync(TimeSpan.FromSeconds(30))).RecordIds);
        Assert.Equal(0, Volatile.Read(ref disposedHeard));
    }

    [Fact]
    public async Task Notifier_TableSubscription_DoesNotHearOtherTables()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var other = await TablesSeed.DealsAsync(factory.Services);
        var otherHeard = 0;
        using var otherSubscription = Notifier.Subscribe(other.Id, _ => { Interlocked.Increment(ref otherHeard); return Task.CompletedTask; });
        var all = new TaskCompletionSource<TableChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var allSubscription = Notifier.SubscribeAll(c => { if (c.TableId == table.Id) { all.TrySetResult(c); } return Task.CompletedTask; });

        await CreateDealAsync(table);

        Assert.Equal(table.Id, (await all.Task.WaitAsync(TimeSpan.FromSeconds(30))).TableId);
        Assert.Equal(0, Volatile.Read(ref otherHeard));
    }

    [Fact]
    public async Task Notifier_ThrowingSubscriber_DoesNotFailTheWrite_OrStarveOthers()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        using var bad = Notifier.Subscribe(table.Id, _ => throw new InvalidOperationException("broken grid"));
        var good = new TaskCompletionSource<TableChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var goodSubscription = Notifier.Subscribe(table.Id, c => { good.TrySetResult(c); return Task.CompletedTask; });

        var created = await CreateDealAsync(table);

        Assert.Equal([created.Id], (await good.Task.WaitAsync(TimeSpan.FromSeconds(30))).RecordIds);
        Assert.Equal(1, await CountAsync(table.Id));
    }

    // storage by field id

    [Fact]
    public async Task Storage_IsByFieldId_SoRenamingAFieldKeepsItsValues()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await CreateDealAsync(table);
        var row = await RowAsync(created.Id);
        Assert.Contains(FieldId(table, "Value"), row.Data);
        Assert.DoesNotContain("\"Value\"", row.Data);

        await using (var db = await DbAsync())
        {
            var field = await db.Fields.SingleAsync(f => f.Id == FieldId(table, "Value"));
            field.Name = "Amount";
            await db.SaveChangesAsync();
        }

        var renamed = (await factory.Services.GetRequiredService<TableService>().GetAsync(table.Id))!;
        var read = (await factory.Services.GetRequiredService<RecordQueryService>().GetAsync(table.Id, created.Id))!;
        var byName = ApiMapping.ValuesByName(read.Values, renamed);
        Assert.Equal(1200m, byName["Amount"]!.GetValue<decimal>());
        Assert.False(byName.ContainsKey("Value"));

        // Writing by the new name lands in the same stored slot.
        var updated = await Records.UpdateAsync(table.Id, new RecordPatch(created.Id, Values("""{"Amount":7}""")), null);
        Assert.Equal(7m, updated.Values[FieldId(table, "Value")]!.GetValue<decimal>());
        await Assert.ThrowsAsync<RecordValidationException>(() => Records.UpdateAsync(table.Id, new RecordPatch(created.Id, Values("""{"Value":8}""")), null));
    }
}
