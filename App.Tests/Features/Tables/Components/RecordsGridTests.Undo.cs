using System.Text.Json.Nodes;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Features.Tables.Components;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables.Components;

/// <summary>The grid's undo and redo (<c>RecordsGrid.Undo.cs</c>), driven the way wwwroot/grid.js drives them.</summary>
public sealed partial class RecordsGridTests
{
    /// <summary>What wwwroot/grid.js does on Ctrl+Z (undo) or Ctrl+Shift+Z (redo) on the grid.</summary>
    private static Task<CellKey?> StepAsync(IRenderedComponent<ContainerFragment> cut, bool undo)
    {
        var grid = cut.FindComponent<RecordsGrid>();
        return grid.InvokeAsync(() => undo ? grid.Instance.UndoAt() : grid.Instance.RedoAt());
    }

    [Fact]
    public async Task Undo_PutsEachCellChangeBack_InReverseOrder_AndRedoMakesThemAgain()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Deal"));
        var grid = cut.FindComponent<RecordsGrid>();
        var won = table.Fields.Single(f => f.Name == "Won").Id;

        // A typed value, a toggled checkbox, a cleared cell.
        await BeginEditAsync(cut, table, record.Id, "Deal");
        Assert.True(await CommitAsync(cut, "Acme Corp"));
        Assert.True(await grid.InvokeAsync(() => grid.Instance.ToggleAt(record.Id, won)));
        Assert.True(await grid.InvokeAsync(() => grid.Instance.ClearAt(record.Id, table.Fields.Single(f => f.Name == "Site").Id)));
        Assert.Null(await StoredAsync(table, record.Id, "Site"));

        Assert.Equal(new CellKey(record.Id, table.Fields.Single(f => f.Name == "Site").Id), await StepAsync(cut, undo: true));
        Assert.Equal("https://acme.test", (await StoredAsync(table, record.Id, "Site"))!.GetValue<string>());
        Assert.Equal(new CellKey(record.Id, won), await StepAsync(cut, undo: true));
        Assert.Null(await StoredAsync(table, record.Id, "Won"));
        Assert.NotNull(await StepAsync(cut, undo: true));
        Assert.Equal("Acme", (await StoredAsync(table, record.Id, "Deal"))!.GetValue<string>());
        cut.WaitForAssertion(() => Assert.Equal("Acme", CellOf(cut, record.Id, "Deal").TextContent.Trim()));
        cut.WaitForAssertion(() => Assert.Contains("Undone: the change to Deal.", cut.Markup));
        Assert.Null(await StepAsync(cut, undo: true));
        cut.WaitForAssertion(() => Assert.Contains("Nothing to undo.", cut.Markup));

        Assert.NotNull(await StepAsync(cut, undo: false));
        Assert.Equal("Acme Corp", (await StoredAsync(table, record.Id, "Deal"))!.GetValue<string>());
        cut.WaitForAssertion(() => Assert.Equal("Acme Corp", CellOf(cut, record.Id, "Deal").TextContent.Trim()));
        Assert.NotNull(await StepAsync(cut, undo: false));
        Assert.True((await StoredAsync(table, record.Id, "Won"))!.GetValue<bool>());

        // A new change forgets what was undone: the cleared Site cannot be redone over it.
        await BeginEditAsync(cut, table, record.Id, "Deal");
        Assert.True(await CommitAsync(cut, "Acme Inc"));
        Assert.Null(await StepAsync(cut, undo: false));
        Assert.Equal("https://acme.test", (await StoredAsync(table, record.Id, "Site"))!.GetValue<string>());
    }

    [Fact]
    public async Task Undo_OfACellSomeoneChangedSince_IsRefused_AndKeepsTheirValue()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Deal"));
        await BeginEditAsync(cut, table, record.Id, "Deal");
        Assert.True(await CommitAsync(cut, "Acme Corp"));

        await Service<RecordService>().UpdateAsync(table.Id, new RecordPatch(record.Id, new Dictionary<string, JsonNode?> { ["Deal"] = "Initech" }), null);

        Assert.Null(await StepAsync(cut, undo: true));
        Assert.Equal("Initech", (await StoredAsync(table, record.Id, "Deal"))!.GetValue<string>());
        cut.WaitForAssertion(() => Assert.Contains("Not undone: Deal was changed since, here or elsewhere.", cut.Markup));
        // The refused step is gone: there is nothing left to undo.
        Assert.Null(await StepAsync(cut, undo: true));
        cut.WaitForAssertion(() => Assert.Contains("Nothing to undo.", cut.Markup));
    }

    private static void ConfirmDialog(IRenderedComponent<ContainerFragment> cut, string button) =>
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == button).Click();

    private async Task<bool> ExistsAsync(TableSnapshot table, string recordId) => await Service<RecordQueryService>().GetAsync(table.Id, recordId) is not null;

    [Fact]
    public async Task Undo_OfABulkDelete_BringsTheRecordsBack_FromTheNoticeOrByKey_AndRedoDeletesThemAgain()
    {
        var (table, record) = await SeedAsync();
        var second = await Service<RecordService>().CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Globex"}"""), null);
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => Assert.Contains("2 records", cut.Find("#record-count").TextContent));
        cut.Find("thead input[type=checkbox]").Change(true);
        cut.Find("#bulk-delete").Click();
        cut.WaitForAssertion(() => Assert.Contains("Undo (Ctrl+Z) brings them back", cut.Markup));
        ConfirmDialog(cut, "Delete");
        cut.WaitForAssertion(() => Assert.Contains("0 records", cut.Find("#record-count").TextContent));

        // The deletion's notice has an Undo button.
        cut.WaitForAssertion(() => Assert.Contains("Deleted 2 records.", cut.Markup));
        cut.FindAll(".mud-snackbar button").Single(b => b.TextContent.Trim() == "Undo").Click();
        cut.WaitForAssertion(() => Assert.Contains("Undone: the deletion of 2 records.", cut.Markup));
        Assert.True(await ExistsAsync(table, record.Id));
        Assert.True(await ExistsAsync(table, second.Id));
        cut.WaitForAssertion(() => Assert.Equal("Acme", CellOf(cut, record.Id, "Deal").TextContent.Trim()));
        Assert.Equal("https://acme.test", (await StoredAsync(table, record.Id, "Site"))!.GetValue<string>());

        Assert.Null(await StepAsync(cut, undo: false));
        Assert.False(await ExistsAsync(table, record.Id));
        Assert.False(await ExistsAsync(table, second.Id));
        cut.WaitForAssertion(() => Assert.Contains("Redone: the deletion of 2 records.", cut.Markup));

        // By key this time: the cursor goes to the first record's first column.
        Assert.Equal(new CellKey(record.Id, table.Fields[0].Id), await StepAsync(cut, undo: true));
        Assert.True(await ExistsAsync(table, second.Id));
        cut.WaitForAssertion(() => Assert.Contains("2 records", cut.Find("#record-count").TextContent));
    }

    [Fact]
    public async Task Undo_OfARecordAddedWithTheAddRecordForm_DeletesIt()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Deal"));
        cut.Find("#add-record").Click();
        cut.WaitForAssertion(() => cut.Find(".mud-dialog input[data-field='Deal']"));
        cut.Find(".mud-dialog input[data-field='Deal']").Change("Initech");
        cut.Find("#record-save").Click();
        cut.WaitForAssertion(() => Assert.Contains("Record added.", cut.Markup));
        cut.WaitForAssertion(() => Assert.Contains("2 records", cut.Find("#record-count").TextContent));

        Assert.Null(await StepAsync(cut, undo: true));
        cut.WaitForAssertion(() => Assert.Contains("Undone: adding the record.", cut.Markup));
        Assert.Equal(record.Id, Assert.Single((await Service<RecordQueryService>().ListAsync(table.Id, new RecordQuery())).Records).Id);
        cut.WaitForAssertion(() => Assert.Contains("1 record", cut.Find("#record-count").TextContent));
    }

    [Fact]
    public async Task Undo_OfARecordAdded_DeletesIt_RedoBringsItBack_ButNotOnceSomebodyChangedIt()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Deal"));
        var grid = cut.FindComponent<RecordsGrid>();
        await grid.Instance.OpenRecordAt(record.Id);
        cut.WaitForAssertion(() => cut.Find("#drawer-duplicate"));
        cut.Find("#drawer-duplicate").Click();
        cut.WaitForAssertion(() => Assert.NotEqual(record.Id, cut.Find("[data-system='id']").TextContent));
        var copy = cut.Find("[data-system='id']").TextContent;
        Assert.True(await ExistsAsync(table, copy));

        Assert.Null(await StepAsync(cut, undo: true));
        Assert.False(await ExistsAsync(table, copy));
        cut.WaitForAssertion(() => Assert.Contains("Undone: adding the record.", cut.Markup));
        Assert.NotNull(await StepAsync(cut, undo: false));
        Assert.Equal("Acme", (await StoredAsync(table, copy, "Deal"))!.GetValue<string>());

        await Service<RecordService>().UpdateAsync(table.Id, new RecordPatch(copy, TablesSeed.Values("""{"Value":9}""")), null);
        Assert.Null(await StepAsync(cut, undo: true));
        Assert.True(await ExistsAsync(table, copy));
        cut.WaitForAssertion(() => Assert.Contains("Not undone: the record was changed since, here or elsewhere.", cut.Markup));
    }

    [Fact]
    public async Task Undo_OfADrawerSave_PutsBackEveryFieldItChanged_AndOfADrawerDelete_BringsTheRecordBack()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Deal"));
        var grid = cut.FindComponent<RecordsGrid>();
        await grid.Instance.OpenRecordAt(record.Id);
        cut.WaitForAssertion(() => cut.Find("#drawer-fields input[data-field='Deal']"));
        cut.Find("#drawer-fields input[data-field='Deal']").Change("Acme Corp");
        cut.Find("#drawer-fields input[data-field='Value']").Change("99");
        cut.Find("#drawer-fields input[data-field='Site']").Change("https://acme.example");
        cut.Find("#drawer-save").Click();
        cut.WaitForAssertion(() => Assert.Contains("Record saved.", cut.Markup));
        Assert.Equal(99m, (await StoredAsync(table, record.Id, "Value"))!.GetValue<decimal>());

        Assert.Equal(new CellKey(record.Id, table.Fields.Single(f => f.Name == "Deal").Id), await StepAsync(cut, undo: true));
        Assert.Equal("Acme", (await StoredAsync(table, record.Id, "Deal"))!.GetValue<string>());
        Assert.Equal(1200m, (await StoredAsync(table, record.Id, "Value"))!.GetValue<decimal>());
        Assert.Equal("https://acme.test", (await StoredAsync(table, record.Id, "Site"))!.GetValue<string>());
        cut.WaitForAssertion(() => Assert.Contains("Undone: the changes to Deal, Value and Site.", cut.Markup));

        await grid.Instance.OpenRecordAt(record.Id);
        cut.WaitForAssertion(() => cut.Find("#drawer-delete"));
        cut.Find("#drawer-delete").Click();
        cut.WaitForAssertion(() => Assert.Contains("Undo (Ctrl+Z) on the table brings it back", cut.Markup));
        ConfirmDialog(cut, "Delete");
        cut.WaitForAssertion(() => Assert.Contains("Record deleted.", cut.Markup));
        Assert.False(await ExistsAsync(table, record.Id));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll(".mud-snackbar button"), b => b.TextContent.Trim() == "Undo"));

        Assert.NotNull(await StepAsync(cut, undo: true));
        Assert.Equal("Acme", (await StoredAsync(table, record.Id, "Deal"))!.GetValue<string>());
        cut.WaitForAssertion(() => Assert.Contains("Undone: the deletion of the record.", cut.Markup));
        // Undone by key, the deletion's notice goes: its Undo would now mean another step.
        cut.WaitForAssertion(() => Assert.DoesNotContain(cut.FindAll(".mud-snackbar button"), b => b.TextContent.Trim() == "Undo"));
    }

    /// <summary>
    /// A change saved while an undo or redo is on its way to the database (a drawer save reported during its round trip)
    /// counts as made after it: it forgets the undone step, as a change after a finished undo does, and a redo goes under
    /// it, so Ctrl+Z takes that change back first. Before, the undone step landed on the redo list the change had cleared.
    /// </summary>
    [Fact]
    public async Task AChangeSaved_WhileAnUndoOrRedoIsOnItsWay_CountsAsMadeAfterIt()
    {
        var (table, record) = await SeedAsync();
        var cut = RenderGrid(table);
        cut.WaitForAssertion(() => CellOf(cut, record.Id, "Deal"));
        CellKey Cell(string field) => new(record.Id, table.Fields.Single(f => f.Name == field).Id);
        await BeginEditAsync(cut, table, record.Id, "Deal");
        Assert.True(await CommitAsync(cut, "Acme Corp"));
        var drawer = cut.FindComponent<RecordDrawer>();
        // A save in the drawer: stored first, then reported to the grid (here while the grid's step is held).
        async Task<Func<Task>> DrawerSavesAsync(string field, string? before, string after)
        {
            await Service<RecordService>().UpdateAsync(table.Id, new RecordPatch(record.Id, new Dictionary<string, JsonNode?> { [field] = after }), AdminId);
            return () => drawer.InvokeAsync(() => drawer.Instance.OnChange.InvokeAsync(new CellsChanged([new CellChange(record.Id, Cell(field).Field, before, after)])));
        }
        var commits = Factory.Services.GetRequiredService<DataWriter>().GroupCommits;

        // Ctrl+Z on the Deal cell; the drawer's save of Notes is reported while the undo is on its way.
        var reported = await DrawerSavesAsync("Notes", null, "Call back");
        Assert.Equal(Cell("Deal"), await StepWhileHeldAsync(cut, commits, undo: true, reported));
        Assert.Equal("Acme", (await StoredAsync(table, record.Id, "Deal"))!.GetValue<string>());
        Assert.Null(await StepAsync(cut, undo: false));
        cut.WaitForAssertion(() => Assert.Contains("Nothing to redo.", cut.Markup));

        // The Notes save undone, then redone; a save of Site is reported while the redo is on its way.
        Assert.Equal(Cell("Notes"), await StepAsync(cut, undo: true));
        reported = await DrawerSavesAsync("Site", "https://acme.test", "https://acme.example");
        Assert.Equal(Cell("Notes"), await StepWhileHeldAsync(cut, commits, undo: false, reported));
        Assert.Equal("Call back", (await StoredAsync(table, record.Id, "Notes"))!.GetValue<string>());
        // Ctrl+Z takes back the later save first, then the redone one.
        Assert.Equal(Cell("Site"), await StepAsync(cut, undo: true));
        Assert.Equal("https://acme.test", (await StoredAsync(table, record.Id, "Site"))!.GetValue<string>());
        Assert.Equal(Cell("Notes"), await StepAsync(cut, undo: true));
        Assert.Null(await StoredAsync(table, record.Id, "Notes"));
    }

    /// <summary>An undo (or redo) held in the write path (a count, not a clock tells when it waits there) while <paramref name="meanwhile"/> runs.</summary>
    private static async Task<CellKey?> StepWhileHeldAsync(IRenderedComponent<ContainerFragment> cut, GroupCommitPause commits, bool undo, Func<Task> meanwhile)
    {
        var grid = cut.FindComponent<RecordsGrid>();
        Task<CellKey?> step;
        using (commits.Hold())
        {
            step = await grid.InvokeAsync(() => Task.FromResult(undo ? grid.Instance.UndoAt() : grid.Instance.RedoAt()));
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (commits.Queued == 0)
            {
                await Task.Delay(5, deadline.Token);
            }
            Assert.False(step.IsCompleted);
            await meanwhile();
        }
        return await step;
    }
}
