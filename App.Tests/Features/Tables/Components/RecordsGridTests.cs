using System.Text.Json.Nodes;
using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Undb.Features.Tables;
using Undb.Features.Tables.Components;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables.Components;

public sealed partial class RecordsGridTests(UndbFactory factory) : ComponentTestContext(factory), IClassFixture<UndbFactory>
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

    /// <summary>What wwwroot/grid.js does on a click on a cell (or Enter, F2, typing): asks the grid to open its editor.</summary>
    private static async Task BeginEditAsync(IRenderedComponent<ContainerFragment> cut, TableSnapshot table, string recordId, string field)
    {
        var grid = cut.FindComponent<RecordsGrid>();
        Assert.True(await grid.InvokeAsync(() => grid.Instance.BeginEditAt(recordId, table.Fields.Single(f => f.Name == field).Id)));
    }

    /// <summary>What wwwroot/grid.js does on Enter (or Tab, or leaving the cell): hands the editor's text to .NET.</summary>
    private static Task<bool> CommitAsync(IRenderedComponent<ContainerFragment> cut, string text, string move = "none")
    {
        // A reload under way (the grid reloads when its parent re-renders) shows the editor once the rows are back.
        cut.WaitForState(() => cut.FindComponents<CellEditor>().Count == 1);
        var editor = cut.FindComponent<CellEditor>();
        return editor.InvokeAsync(() => editor.Instance.Commit(text, move));
    }

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

        await BeginEditAsync(cut, table, record.Id, "Deal");
        Assert.True(await CommitAsync(cut, "Acme Corp"));

        cut.WaitForAssertion(() => Assert.Equal("Acme Corp", CellOf(cut, record.Id, "Deal").TextContent.Trim()));
        Assert.Empty(cut.FindAll(".cell-editor"));
        // Editing a cell does not select the row.
        Assert.Empty(cut.FindAll("#selection-count"));
        Assert.Equal("Acme Corp", (await StoredAsync(table, record.Id, "Deal"))!.GetValue<string>());
    }

    [Fact]
    public async Task EscapeCancels_AndARejectedValueShowsItsErrorAndKeepsTheOldValue()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Value"));

        await BeginEditAsync(cut, table, record.Id, "Value");
        Assert.False(await CommitAsync(cut, "lots"));
        cut.WaitForAssertion(() => Assert.Equal("Value expects a number, got \"lots\".", cut.Find(".cell-error").TextContent));
        Assert.Equal(1200, (await StoredAsync(table, record.Id, "Value"))!.GetValue<decimal>());

        var editor = cut.FindComponent<CellEditor>();
        await editor.InvokeAsync(() => editor.Instance.Cancel());
        cut.WaitForAssertion(() => Assert.Contains("1,200", CellOf(cut, record.Id, "Value").TextContent));
        Assert.Empty(cut.FindAll(".cell-error"));
    }

    [Fact]
    public async Task Tab_SavesAndClosesTheEditor_TheBrowserMovesTheCursor()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Deal"));

        await BeginEditAsync(cut, table, record.Id, "Deal");
        Assert.True(await CommitAsync(cut, "Next", "next"));

        // Tab moves the cell cursor, not an editor (Airtable's way): grid.js focuses the next cell; GridKeyboardTests drives it.
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".cell-editor")));
        Assert.Equal("Next", (await StoredAsync(table, record.Id, "Deal"))!.GetValue<string>());
    }

    [Fact]
    public async Task TheCursorOpensAnEditor_OnlyOnAnEditableCellOfThePage()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Deal"));
        var grid = cut.FindComponent<RecordsGrid>();
        var field = (string name) => table.Fields.Single(f => f.Name == name).Id;

        Assert.False(await grid.InvokeAsync(() => grid.Instance.BeginEditAt(record.Id, field("Won"))));
        Assert.False(await grid.InvokeAsync(() => grid.Instance.BeginEditAt("rec_gone", field("Deal"))));
        Assert.Empty(cut.FindAll(".cell-editor"));

        Assert.True(await grid.InvokeAsync(() => grid.Instance.BeginEditAt(record.Id, field("Value"))));
        cut.WaitForAssertion(() => Assert.Equal("Value", cut.Find(".cell-editor").GetAttribute("data-editing-field")));
        await grid.InvokeAsync(() => grid.Instance.CancelEdit());
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".cell-editor")));
    }

    [Fact]
    public async Task AParentReRender_KeepsTheRowsAndAnOpenEditor()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Value"));
        await BeginEditAsync(cut, table, record.Id, "Deal");
        cut.WaitForState(() => cut.FindComponents<CellEditor>().Count == 1);
        var editor = cut.FindComponent<CellEditor>().Instance;
        var cell = cut.FindComponents<GridCell>().First(c => c.Instance.Field.Name == "Value").Instance;

        // The tabs re-render the page often; the same table must not reload the grid (which rebuilt every row and
        // threw away the open editor with its typed text).
        cut.Render();

        Assert.Same(editor, cut.FindComponent<CellEditor>().Instance);
        Assert.Same(cell, cut.FindComponents<GridCell>().First(c => c.Instance.Field.Name == "Value").Instance);
    }

    [Fact]
    public async Task TogglingACheckbox_Saves()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Won"));

        // What wwwroot/grid.js does on a click, Space or Enter on the cell.
        var grid = cut.FindComponent<RecordsGrid>();
        Assert.True(await grid.InvokeAsync(() => grid.Instance.ToggleAt(record.Id, table.Fields.Single(f => f.Name == "Won").Id)));

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

        await BeginEditAsync(cut, table, record.Id, "Deal");
        cut.WaitForState(() => cut.FindComponents<CellEditor>().Count == 1);
        var editor = cut.FindComponent<CellEditor>();
        await Service<RecordService>().UpdateAsync(table.Id, new RecordPatch(record.Id, new Dictionary<string, JsonNode?> { ["Value"] = 7 }), null);

        cut.WaitForAssertion(() => Assert.Equal("7", CellOf(cut, record.Id, "Value").TextContent.Trim()));
        // The same editor is still open (in a browser its input keeps the half-typed text: GridLiveAndCsvTests), and commits.
        Assert.Same(editor.Instance, cut.FindComponent<CellEditor>().Instance);
        Assert.True(await CommitAsync(cut, "half-typed"));
        Assert.Equal("half-typed", (await StoredAsync(table, record.Id, "Deal"))!.GetValue<string>());
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
