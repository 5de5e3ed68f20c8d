using System.Text.Json.Nodes;
using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Undb.Features.Tables;
using Undb.Features.Tables.Components;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables.Components;

public sealed class RecordsGridTests(UndbFactory factory) : ComponentTestContext(factory), IClassFixture<UndbFactory>
{
    private async Task<(TableSnapshot Table, RecordSnapshot Record)> SeedAsync()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var record = await Service<RecordService>().CreateAsync(table.Id, new RecordInput(new Dictionary<string, JsonNode?>
        {
            ["Deal"] = "Acme", ["Value"] = 1200, ["Stage"] = "Won", ["Tags"] = new JsonArray("hot", "vip"), ["Site"] = "https://acme.test",
        }), AdminId);
        return (table, record);
    }

    private IRenderedComponent<ContainerFragment> RenderGrid(TableSnapshot table) =>
        RenderWithProviders<RecordsGrid>(p => p.Add(g => g.Table, table));

    private static IElement CellOf(IRenderedComponent<ContainerFragment> cut, string recordId, string field) =>
        cut.Find($"[data-record='{recordId}'][data-cell-field='{field}']");

    private async Task<JsonNode?> StoredAsync(TableSnapshot table, string recordId, string field) =>
        (await Service<RecordQueryService>().GetAsync(table.Id, recordId))!.Values[table.Fields.Single(f => f.Name == field).Id];

    [Fact]
    public async Task Renders_AColumnPerVisibleField_WithTypedDisplay()
    {
        var (table, record) = await SeedAsync();
        await Service<TableService>().UpdateFieldAsync(table.Id, table.Fields.Single(f => f.Name == "Notes").Id, new FieldChanges(Hidden: true), null);
        table = (await Service<TableService>().GetAsync(table.Id))!;

        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => Assert.Contains("1 record", cut.Find("#record-count").TextContent));

        Assert.NotNull(cut.Find("[data-field-header='Deal']"));
        Assert.Empty(cut.FindAll("[data-field-header='Notes']"));
        Assert.Equal("Acme", CellOf(cut, record.Id, "Deal").TextContent.Trim());
        Assert.Contains("1,200", CellOf(cut, record.Id, "Value").TextContent);
        Assert.Equal(2, CellOf(cut, record.Id, "Tags").QuerySelectorAll(".mud-chip").Length);
        Assert.Equal("https://acme.test", CellOf(cut, record.Id, "Site").QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal("false", CellOf(cut, record.Id, "Won").GetAttribute("data-checked"));
    }

    [Fact]
    public async Task ExportCsv_IsADownloadLink_ToTheTablesExportRoute()
    {
        var (table, _) = await SeedAsync();

        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => Assert.Contains("1 record", cut.Find("#record-count").TextContent));

        var link = cut.Find("a#export-csv");
        Assert.Equal($"api/tables/{table.Id}/export.csv", link.GetAttribute("href"));
        Assert.True(link.HasAttribute("download"));
        Assert.Contains("1 record", link.GetAttribute("title"));
    }

    [Fact]
    public async Task EditingACell_EnterSaves_ThroughRecordService()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Deal"));

        CellOf(cut, record.Id, "Deal").Click();
        cut.Find(".cell-editor input").Input("Acme Corp");
        await cut.Find(".cell-editor").TriggerEventAsync("onkeydown", new KeyboardEventArgs { Key = "Enter" });

        cut.WaitForAssertion(() => Assert.Equal("Acme Corp", CellOf(cut, record.Id, "Deal").TextContent.Trim()));
        Assert.Empty(cut.FindAll(".cell-editor"));
        // Clicking into a cell edits it; it does not select the row.
        Assert.Empty(cut.FindAll("#selection-count"));
        Assert.Equal("Acme Corp", (await StoredAsync(table, record.Id, "Deal"))!.GetValue<string>());
    }

    [Fact]
    public async Task EscapeCancels_AndARejectedValueShowsItsErrorAndKeepsTheOldValue()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Value"));

        CellOf(cut, record.Id, "Value").Click();
        cut.Find(".cell-editor input").Input("lots");
        await cut.Find(".cell-editor").TriggerEventAsync("onkeydown", new KeyboardEventArgs { Key = "Enter" });
        cut.WaitForAssertion(() => Assert.Contains("expects a number", cut.Find(".cell-error").TextContent));
        Assert.Equal(1200, (await StoredAsync(table, record.Id, "Value"))!.GetValue<decimal>());

        await cut.Find(".cell-editor").TriggerEventAsync("onkeydown", new KeyboardEventArgs { Key = "Escape" });
        cut.WaitForAssertion(() => Assert.Contains("1,200", CellOf(cut, record.Id, "Value").TextContent));
        Assert.Empty(cut.FindAll(".cell-error"));
    }

    [Fact]
    public async Task Tab_SavesAndMovesToTheNextEditableCell()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Deal"));

        CellOf(cut, record.Id, "Deal").Click();
        cut.Find(".cell-editor input").Input("Next");
        await cut.Find(".cell-editor").TriggerEventAsync("onkeydown", new KeyboardEventArgs { Key = "Tab" });

        cut.WaitForAssertion(() => Assert.Equal("Notes", cut.Find(".cell-editor").GetAttribute("data-editing-field")));
        Assert.Equal("Next", (await StoredAsync(table, record.Id, "Deal"))!.GetValue<string>());
    }

    [Fact]
    public async Task ClickingACheckbox_TogglesAndSaves()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Won"));

        CellOf(cut, record.Id, "Won").Click();

        cut.WaitForAssertion(() => Assert.Equal("true", CellOf(cut, record.Id, "Won").GetAttribute("data-checked")));
        Assert.True((await StoredAsync(table, record.Id, "Won"))!.GetValue<bool>());
    }

    [Fact]
    public async Task ChangesFromElsewhere_ShowLive_AndDoNotDropACellEditInProgress()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Deal"));

        var added = await Service<RecordService>().CreateAsync(table.Id, new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = "Globex" }), null);
        cut.WaitForAssertion(() => Assert.Equal("Globex", CellOf(cut, added.Id, "Deal").TextContent.Trim()));

        CellOf(cut, record.Id, "Deal").Click();
        cut.Find(".cell-editor input").Input("half-typed");
        await Service<RecordService>().UpdateAsync(table.Id, new RecordPatch(record.Id, new Dictionary<string, JsonNode?> { ["Value"] = 7 }), null);

        cut.WaitForAssertion(() => Assert.Equal("7", CellOf(cut, record.Id, "Value").TextContent.Trim()));
        Assert.Equal("half-typed", cut.Find(".cell-editor input").GetAttribute("value"));
    }

    [Fact]
    public async Task EmptyTable_ShowsAnEmptyState()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => Assert.Contains("No records yet", cut.Find("#grid-empty").TextContent));
    }

    [Fact]
    public async Task TableWithoutFields_InvitesToAddOne()
    {
        var noFields = await Service<TableService>().CreateAsync("Empty " + Guid.NewGuid().ToString("N")[..6], [], null);
        var empty = RenderGrid(noFields);
        Assert.NotNull(empty.Find("#no-fields"));
    }

    [Fact]
    public async Task BulkDelete_AsksFirst_ThenDeletesTheSelection_AndReportsTheCount()
    {
        var (table, record) = await SeedAsync();
        var second = await Service<RecordService>().CreateAsync(table.Id, new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = "Globex" }), null);
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => Assert.Contains("2 records", cut.Find("#record-count").TextContent));

        cut.Find("thead input[type=checkbox]").Change(true);
        cut.WaitForAssertion(() => Assert.Contains("2 selected", cut.Find("#selection-count").TextContent));
        cut.Find("#bulk-delete").Click();
        cut.WaitForAssertion(() => Assert.Contains("Delete 2 records?", cut.Markup));
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();

        cut.WaitForAssertion(() => Assert.Contains("Deleted 2 records.", cut.Markup));
        Assert.Null(await Service<RecordQueryService>().GetAsync(table.Id, record.Id));
        Assert.Null(await Service<RecordQueryService>().GetAsync(table.Id, second.Id));
    }
}
