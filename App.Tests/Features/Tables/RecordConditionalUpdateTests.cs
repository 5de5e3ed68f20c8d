using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary>
/// A patch with <see cref="RecordPatch.Expected"/> values is made only while the record still holds them, as its
/// transaction reads it (the grid's undo relies on it); otherwise it is a conflict that writes and fires nothing.
/// </summary>
[Trait("Engines", "Both")]
public sealed class RecordConditionalUpdateTests(RecordingUndbFactory factory) : IClassFixture<RecordingUndbFactory>
{
    private RecordService Records => factory.Services.GetRequiredService<RecordService>();

    private static IReadOnlyDictionary<string, JsonNode?> Values(string json) => TablesSeed.Values(json);

    private async Task<string> StoredAsync(string recordId)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return (await db.Records.AsNoTracking().SingleAsync(r => r.Id == recordId)).Data;
    }

    [Fact]
    public async Task ExpectedValuesThatHold_LetThePatchThrough_ByNameOrId_EmptyAsNull()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var record = await Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme","Value":1200}"""), null);
        var value = table.Fields.Single(f => f.Name == "Value").Id;

        var updated = await Records.UpdateAsync(table.Id,
            new RecordPatch(record.Id, Values("""{"Value":1300,"Stage":"Won"}"""), Values($$"""{"{{value}}":1200,"Deal":"Acme","Stage":null}""")), null);

        Assert.Equal(1300m, updated.Values[value]!.GetValue<decimal>());
        Assert.Equal(2, factory.Sink.For(table.Id).Count);
    }

    [Fact]
    public async Task AnExpectedValueThatMoved_IsAConflictNamingTheField_AndWritesAndFiresNothing()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var record = await Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme","Value":1200}"""), null);
        await Records.UpdateAsync(table.Id, new RecordPatch(record.Id, Values("""{"Value":1250}""")), null);
        var before = await StoredAsync(record.Id);

        var conflict = await Assert.ThrowsAsync<ConflictException>(() => Records.UpdateAsync(table.Id,
            new RecordPatch(record.Id, Values("""{"Value":1200,"Deal":"Undone"}"""), Values("""{"Value":1300}""")), null));

        Assert.Equal("Value was changed since.", conflict.Message);
        Assert.Equal(table.Fields.Single(f => f.Name == "Value").Id, conflict.Extensions["field"]);
        Assert.Equal(before, await StoredAsync(record.Id));
        Assert.Equal(2, factory.Sink.For(table.Id).Count);
    }

    [Fact]
    public async Task InOneGroupCommit_AConditionalPatchSeesTheWriteBeforeIt_AndAConflictFailsAlone()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var record = await Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme","Value":1}"""), null);
        var value = table.Fields.Single(f => f.Name == "Value").Id;

        var writes = await WriteGateBatches.StartWhileHeldAsync(factory.Services,
            () => Records.UpdateAsync(table.Id, new RecordPatch(record.Id, Values("""{"Value":2}""")), null),
            () => Records.UpdateAsync(table.Id, new RecordPatch(record.Id, Values("""{"Value":10}"""), Values("""{"Value":1}""")), null),
            () => Records.UpdateAsync(table.Id, new RecordPatch(record.Id, Values("""{"Value":3}"""), Values("""{"Value":2}""")), null));

        await writes[0];
        await Assert.ThrowsAsync<ConflictException>(() => writes[1]);
        Assert.Equal(3m, (await writes[2]).Values[value]!.GetValue<decimal>());
        Assert.Equal(3m, JsonNode.Parse(await StoredAsync(record.Id))![value]!.GetValue<decimal>());
        Assert.Equal(3, factory.Sink.For(table.Id).Count); // the create and the two updates that were made
    }
}
