using System.Text.Json.Nodes;
using AngleSharp.Dom;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Features.Tables.Components;
using Undb.Tests.TestSupport;
using FieldType = Undb.Features.Tables.FieldType;

namespace Undb.Tests.Features.Tables.Components;

/// <summary>Issue #17 items 1 and 4 in the forms: a value the editor cannot parse never becomes "no value", and a required field hidden from the grid can still be filled.</summary>
public sealed class RecordFormsTests(UndbFactory factory) : ComponentTestContext(factory), IClassFixture<UndbFactory>
{
    private static IElement Input(IRenderedComponent<ContainerFragment> cut, string field) =>
        cut.Find($"[data-field='{field}'] input, input[data-field='{field}']");

    private async Task<JsonObject> StoredAsync(TableSnapshot table, string recordId) =>
        (await Service<RecordQueryService>().GetAsync(table.Id, recordId))!.Values;

    private string FieldId(TableSnapshot table, string name) => table.Fields.Single(f => f.Name == name).Id;

    [Fact]
    public async Task Drawer_ANumberItCannotParse_IsRefusedAtTheField_AndTheStoredValueAndTypedTextStay()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var record = await Service<RecordService>().CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme","Value":12000}"""), AdminId);
        var cut = RenderWithProviders<RecordDrawer>(p => p.Add(d => d.Table, table).Add(d => d.RecordId, record.Id).Add(d => d.Open, true));
        cut.WaitForAssertion(() => Input(cut, "Value"));

        Input(cut, "Value").Change("abc");
        cut.Find("#drawer-save").Click();

        cut.WaitForAssertion(() => Assert.Equal("Nothing was saved. Value expects a number, got \"abc\".", cut.Find("#drawer-error").TextContent));
        Assert.Contains("expects a number, got \"abc\"", cut.Find("#drawer-fields").TextContent);
        Assert.DoesNotContain("Record saved.", cut.Markup);
        Assert.Equal("abc", Input(cut, "Value").GetAttribute("value"));
        Assert.Equal(12000, (await StoredAsync(table, record.Id))[FieldId(table, "Value")]!.GetValue<decimal>());

        // Fixed, it saves, and the error goes with the bad text; until then the error keeps its room (an invisible summary,
        // a blank helper line), so Save does not move while the pointer is on its way to it.
        var alerts = cut.FindAll(".mud-alert").Count;
        Input(cut, "Value").Change("12500");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("#drawer-error")));
        Assert.Equal(alerts, cut.FindAll(".mud-alert").Count);
        Assert.Equal("true", cut.Find(".mud-alert[aria-hidden]").GetAttribute("aria-hidden"));
        Assert.DoesNotContain("expects a number", cut.Find("#drawer-fields").TextContent);
        Assert.Contains(cut.FindAll("#drawer-fields .mud-input-helper-text"), h => h.TextContent == "\u00a0");
        cut.Find("#drawer-save").Click();
        cut.WaitForAssertion(() => Assert.Contains("Record saved.", cut.Markup));
        Assert.Equal(12500, (await StoredAsync(table, record.Id))[FieldId(table, "Value")]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Drawer_SavesOnlyWhatWasChanged_SoAChoiceTheFieldNoLongerOffersStays()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var record = await Service<RecordService>().CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme","Stage":"Lost"}"""), AdminId);
        await Service<TableService>().UpdateFieldAsync(table.Id, FieldId(table, "Stage"), new FieldChanges(Choices: ["Lead", "Won"]), null);
        table = (await Service<TableService>().GetAsync(table.Id))!;
        var cut = RenderWithProviders<RecordDrawer>(p => p.Add(d => d.Table, table).Add(d => d.RecordId, record.Id).Add(d => d.Open, true));
        cut.WaitForAssertion(() => Input(cut, "Deal"));

        Input(cut, "Deal").Change("Acme Corp");
        cut.Find("#drawer-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Record saved.", cut.Markup));
        var stored = await StoredAsync(table, record.Id);
        Assert.Equal("Acme Corp", stored[FieldId(table, "Deal")]!.GetValue<string>());
        Assert.Equal("Lost", stored[FieldId(table, "Stage")]!.GetValue<string>());
    }

    /// <summary>
    /// Nothing typed is lost to a save under way: a value changed while the drawer's save is held in the write path stays
    /// in the form (it used to be replaced by what the save stored), and Enter pressed meanwhile saves it once the first
    /// save is back, instead of a second save of the same patch alongside it.
    /// </summary>
    [Fact]
    public async Task Drawer_WhatIsTypedWhileASaveIsUnderWay_StaysInTheForm_AndEnterMeanwhileSavesItNext()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var record = await Service<RecordService>().CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme","Value":1}"""), AdminId);
        var cut = RenderWithProviders<RecordDrawer>(p => p.Add(d => d.Table, table).Add(d => d.RecordId, record.Id).Add(d => d.Open, true));
        cut.WaitForAssertion(() => Input(cut, "Deal"));
        var commits = Factory.Services.GetRequiredService<DataWriter>().GroupCommits;

        // Typed while the save is held, no Enter: it stays in the form, unsaved.
        Input(cut, "Deal").Change("Acme Corp");
        var save = await SubmitWhileHeldAsync(cut, commits, () =>
        {
            Input(cut, "Value").Change("2");
            return Task.CompletedTask;
        });
        await save;
        cut.WaitForAssertion(() => Assert.Contains("Record saved.", cut.Markup));
        Assert.Equal("2", Input(cut, "Value").GetAttribute("value"));
        var stored = await StoredAsync(table, record.Id);
        Assert.Equal(("Acme Corp", 1m), (stored[FieldId(table, "Deal")]!.GetValue<string>(), stored[FieldId(table, "Value")]!.GetValue<decimal>()));
        // Enter then saves it.
        await cut.InvokeAsync(() => cut.Find("#drawer-form").SubmitAsync());
        Assert.Equal(2, (await StoredAsync(table, record.Id))[FieldId(table, "Value")]!.GetValue<decimal>());

        // Typed and Enter pressed while the save is held: saved after it, once.
        Input(cut, "Deal").Change("Acme Inc");
        Task? enter = null;
        save = await SubmitWhileHeldAsync(cut, commits, async () =>
        {
            Input(cut, "Value").Change("3");
            // Dispatched and run up to its first wait: the held save is still under way when this Enter arrives.
            enter = await cut.InvokeAsync(() => Task.FromResult(cut.Find("#drawer-form").SubmitAsync()));
        });
        await Task.WhenAll(save, enter!);
        stored = await StoredAsync(table, record.Id);
        Assert.Equal(("Acme Inc", 3m), (stored[FieldId(table, "Deal")]!.GetValue<string>(), stored[FieldId(table, "Value")]!.GetValue<decimal>()));
        var updates = (await Service<RecordHistoryService>().ListAsync(table.Id, record.Id)).Where(h => h.Kind == "updated").Reverse().ToList();
        Assert.Equal([["Deal"], ["Value"], ["Deal"], ["Value"]], updates.Select(u => u.Changes.Select(c => c.Field).ToArray()).ToArray());
    }

    /// <summary>Submits the drawer while group commits are held, does <paramref name="meanwhile"/> once the save waits in the write path, then lets it go.</summary>
    private static async Task<Task> SubmitWhileHeldAsync(IRenderedComponent<ContainerFragment> cut, GroupCommitPause commits, Func<Task> meanwhile)
    {
        Task save;
        using (commits.Hold())
        {
            save = await cut.InvokeAsync(() => Task.FromResult(cut.Find("#drawer-form").SubmitAsync()));
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (commits.Queued == 0)
            {
                // A count, not a clock: the save is in the write path's queue.
                await Task.Delay(5, deadline.Token);
            }
            Assert.False(save.IsCompleted);
            await meanwhile();
        }
        return save;
    }

    [Fact]
    public async Task AddRecord_ShowsARequiredFieldHiddenFromTheGrid_MarkedSo_AndNamesItInTheError()
    {
        var table = await Service<TableService>().CreateAsync("Hidden " + Guid.NewGuid().ToString("N")[..6],
            [new FieldSpec("Deal", FieldType.Text), new FieldSpec("Owner", FieldType.Text, Required: true), new FieldSpec("Notes", FieldType.LongText)], null);
        await Service<TableService>().UpdateFieldAsync(table.Id, FieldId(table, "Owner"), new FieldChanges(Hidden: true), null);
        await Service<TableService>().UpdateFieldAsync(table.Id, FieldId(table, "Notes"), new FieldChanges(Hidden: true), null);
        table = (await Service<TableService>().GetAsync(table.Id))!;
        var cut = Render<ContainerFragment>(p => p.AddChildContent<MudDialogProvider>());
        var dialog = await cut.InvokeAsync(() => Service<IDialogService>().ShowAsync<RecordDialog>("Add record", new DialogParameters<RecordDialog> { { d => d.Table, table } }));

        // Owner is shown (it must be filled) and says it is hidden in the grid; Notes (hidden, optional) is not.
        cut.WaitForAssertion(() => Input(cut, "Owner"));
        Assert.Contains("Hidden in the grid", cut.Markup);
        Assert.Empty(cut.FindAll("[data-field='Notes']"));

        Input(cut, "Deal").Change("Acme");
        cut.Find("#record-save").Click();
        cut.WaitForAssertion(() => Assert.Equal("Nothing was saved. Owner is required.", cut.Find("#record-error").TextContent));

        Input(cut, "Owner").Change("Ada");
        // The stale error goes as soon as the field is filled.
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("#record-error")));
        cut.Find("#record-save").Click();
        var result = await dialog.Result;
        var created = Assert.IsType<RecordSnapshot>(result!.Data);
        Assert.Equal("Ada", created.Values[FieldId(table, "Owner")]!.GetValue<string>());
    }

    [Fact]
    public async Task AddRecord_ANumberItCannotParse_CreatesNothing()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var cut = Render<ContainerFragment>(p => p.AddChildContent<MudDialogProvider>());
        await cut.InvokeAsync(() => Service<IDialogService>().ShowAsync<RecordDialog>("Add record", new DialogParameters<RecordDialog> { { d => d.Table, table } }));
        cut.WaitForAssertion(() => Input(cut, "Value"));

        Input(cut, "Deal").Change("Umbrella");
        Input(cut, "Value").Change("12k");
        Input(cut, "Close").Change("31/12/2026");
        cut.Find("#record-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Value expects a number, got \"12k\".", cut.Find("#record-error").TextContent));
        Assert.Contains("Close expects an ISO 8601 date", cut.Find("#record-error").TextContent);
        Assert.Equal("12k", Input(cut, "Value").GetAttribute("value"));
        Assert.Equal(0, (await Service<RecordQueryService>().ListAsync(table.Id, new RecordQuery())).Total);
    }

    [Fact]
    public async Task BulkEdit_ARejectedValue_KeepsTheDialogOpenWithTheError_AndChangesNothing()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var record = await Service<RecordService>().CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme","Value":12000}"""), AdminId);
        var cut = Render<ContainerFragment>(p => p.AddChildContent<MudPopoverProvider>().AddChildContent<MudDialogProvider>());
        var dialog = await cut.InvokeAsync(() => Service<IDialogService>().ShowAsync<BulkEditDialog>("Edit", new DialogParameters<BulkEditDialog>
        {
            { d => d.Table, table }, { d => d.RecordIds, [record.Id] },
        }));
        cut.WaitForAssertion(() => cut.Find("#bulk-apply"));
        var picker = cut.FindComponent<MudSelect<string>>();
        await cut.InvokeAsync(() => picker.Instance.ValueChanged.InvokeAsync(FieldId(table, "Value")));

        Input(cut, "Value").Change("abc");
        cut.Find("#bulk-apply").Click();

        cut.WaitForAssertion(() => Assert.Equal("Nothing was changed. Value expects a number, got \"abc\".", cut.Find("#bulk-error").TextContent));
        Assert.Equal("abc", Input(cut, "Value").GetAttribute("value"));
        Assert.Equal(12000, (await StoredAsync(table, record.Id))[FieldId(table, "Value")]!.GetValue<decimal>());

        Input(cut, "Value").Change("7");
        cut.Find("#bulk-apply").Click();
        var outcome = Assert.IsType<BulkEditDialog.Outcome>((await dialog.Result)!.Data);
        Assert.Equal(1, outcome.Updated);
        Assert.Equal(7, (await StoredAsync(table, record.Id))[FieldId(table, "Value")]!.GetValue<decimal>());
    }
}
