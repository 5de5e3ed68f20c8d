using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Realtime;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

[Trait("Engines", "Both")]
public sealed class TableSchemaTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    private TableService Tables => factory.Services.GetRequiredService<TableService>();
    private RecordService Records => factory.Services.GetRequiredService<RecordService>();

    private static string F(TableSnapshot t, string name) => t.Fields.Single(f => f.Name == name).Id;

    [Fact]
    public async Task RenameField_KeepsItsData()
    {
        var t = await TablesSeed.DealsAsync(factory.Services);
        var rec = await Records.CreateAsync(t.Id, new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = "Acme", ["Value"] = 5 }), null);
        await Tables.UpdateFieldAsync(t.Id, F(t, "Value"), new FieldChanges(Name: "Amount"), null);

        var table = (await Tables.GetAsync(t.Id))!;
        var snapshot = await factory.Services.GetRequiredService<RecordQueryService>().GetAsync(t.Id, rec.Id);
        Assert.Equal(5, ApiMapping.ValuesByName(snapshot!.Values, table)["Amount"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task UpdateField_RejectsDuplicateName_AndChoicesOnNonSelect()
    {
        var t = await TablesSeed.DealsAsync(factory.Services);
        await Assert.ThrowsAsync<BadRequestException>(() => Tables.UpdateFieldAsync(t.Id, F(t, "Value"), new FieldChanges(Name: "deal"), null));
        await Assert.ThrowsAsync<BadRequestException>(() => Tables.UpdateFieldAsync(t.Id, F(t, "Value"), new FieldChanges(Choices: ["a"]), null));
        await Assert.ThrowsAsync<NotFoundException>(() => Tables.UpdateFieldAsync(t.Id, "fld_missing", new FieldChanges(Name: "x"), null));
    }

    [Fact]
    public async Task ChangeChoices_HideAndReorder_AreSaved_AndPublished()
    {
        var t = await TablesSeed.DealsAsync(factory.Services);
        var changes = new List<TableChange>();
        using var sub = factory.Services.GetRequiredService<TableChangeNotifier>().Subscribe(t.Id, c => { lock (changes) { changes.Add(c); } return Task.CompletedTask; });

        await Tables.UpdateFieldAsync(t.Id, F(t, "Stage"), new FieldChanges(Choices: ["Lead", "Won", "Churned"], Hidden: true), null);
        var reversed = t.Fields.Select(f => f.Id).Reverse().ToList();
        await Tables.ReorderFieldsAsync(t.Id, reversed, null);

        var table = (await Tables.GetAsync(t.Id))!;
        var stage = table.Fields.Single(f => f.Name == "Stage");
        Assert.Equal(["Lead", "Won", "Churned"], stage.Choices);
        Assert.True(stage.Hidden);
        Assert.Equal(reversed, table.Fields.Select(f => f.Id).ToList());
        lock (changes)
        {
            Assert.Equal(2, changes.Count(c => c.Kind == TableChangeKind.SchemaChanged));
        }
        await Assert.ThrowsAsync<BadRequestException>(() => Tables.ReorderFieldsAsync(t.Id, reversed.Skip(1).ToList(), null));
    }

    [Fact]
    public async Task DeleteField_RemovesItsValuesFromRecords()
    {
        var t = await TablesSeed.DealsAsync(factory.Services);
        await Records.CreateAsync(t.Id, new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = "Acme", ["Value"] = 5 }), null);
        var value = F(t, "Value");
        await Tables.DeleteFieldAsync(t.Id, value, null);

        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var data = await db.Records.Where(r => r.TableId == t.Id).Select(r => r.Data).SingleAsync();
        Assert.DoesNotContain(value, data);
        Assert.Contains(F(t, "Deal"), data);
        Assert.DoesNotContain((await Tables.GetAsync(t.Id))!.Fields, f => f.Id == value);
    }

    [Fact]
    public async Task RenameTable_AndDeleteTable_CascadesToRecords()
    {
        var t = await TablesSeed.DealsAsync(factory.Services);
        await Records.CreateAsync(t.Id, new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = "Acme" }), null);
        var renamed = await Tables.RenameAsync(t.Id, "Renamed " + t.Name, null);
        Assert.Equal("Renamed " + t.Name, renamed.Name);

        await Tables.DeleteAsync(t.Id, null);
        Assert.Null(await Tables.GetAsync(t.Id));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Records.AnyAsync(r => r.TableId == t.Id));
        Assert.False(await db.Fields.AnyAsync(f => f.TableId == t.Id));
        await Assert.ThrowsAsync<NotFoundException>(() => Tables.DeleteAsync(t.Id, null));
    }
}
