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
public sealed partial class RecordServiceTests(RecordingUndbFactory factory) : IClassFixture<RecordingUndbFactory>
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
}
