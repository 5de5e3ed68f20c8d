using System.Text.Json.Nodes;
using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Undb.Features.Tables;
using Undb.Features.Tables.Components;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables.Components;

public sealed class DialogTests(UndbFactory factory) : ComponentTestContext(factory), IClassFixture<UndbFactory>
{
    private IRenderedComponent<ContainerFragment> Providers() => Render<ContainerFragment>(p => p.AddChildContent(b =>
    {
        b.OpenComponent<MudPopoverProvider>(0);
        b.CloseComponent();
        b.OpenComponent<MudDialogProvider>(1);
        b.CloseComponent();
        b.OpenComponent<MudSnackbarProvider>(2);
        b.CloseComponent();
    }));

    private async Task<IDialogReference> ShowAsync<TDialog>(IRenderedComponent<ContainerFragment> cut, DialogParameters<TDialog> parameters) where TDialog : Microsoft.AspNetCore.Components.IComponent =>
        await cut.InvokeAsync(() => Service<IDialogService>().ShowAsync<TDialog>("Test", parameters));

    [Fact]
    public async Task FieldDialog_RenamesAndChangesChoices()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var stage = table.Fields.Single(f => f.Name == "Stage");
        var cut = Providers();
        var dialog = await ShowAsync(cut, new DialogParameters<FieldDialog> { { d => d.TableId, table.Id }, { d => d.Field, stage } });

        cut.Find("input#field-name").Change("Phase");
        // The chips: remove Discovery and Lost, add Churned (what Enter after typing it does in the browser).
        cut.Find("[data-choice='Discovery'] .mud-chip-close-button").Click();
        cut.Find("[data-choice='Lost'] .mud-chip-close-button").Click();
        var choices = cut.FindComponent<ChoicesInput>();
        await choices.InvokeAsync(() => choices.Instance.Add("Churned"));
        cut.Find("#field-save").Click();

        var result = await dialog.Result;
        Assert.False(result!.Canceled);
        var saved = (await Service<TableService>().GetAsync(table.Id))!.Fields.Single(f => f.Id == stage.Id);
        Assert.Equal("Phase", saved.Name);
        Assert.Equal(["Lead", "Won", "Churned"], saved.Choices);
    }

    [Fact]
    public async Task FieldDialog_ShowsADuplicateNameAtTheField_AndStaysOpen()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var cut = Providers();
        await ShowAsync(cut, new DialogParameters<FieldDialog> { { d => d.TableId, table.Id } });

        cut.Find("input#field-name").Change("deal");
        cut.Find("#field-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("already has a field named", cut.Markup));
        Assert.Equal(table.Fields.Count, (await Service<TableService>().GetAsync(table.Id))!.Fields.Count);
    }

    [Fact]
    public async Task CsvImportDialog_AutoMapsColumns_AndImportsWithProgress()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var cut = Providers();
        var dialog = await ShowAsync(cut, new DialogParameters<CsvImportDialog> { { d => d.Table, table } });

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("Deal,value,unknown\r\nAcme,10,x\r\nGlobex,20,y\r\n", "deals.csv"));
        cut.WaitForAssertion(() => Assert.Contains("2 rows", cut.Find("#csv-row-count").TextContent));
        Assert.Equal(3, cut.FindAll("#csv-mapping tbody tr").Count);

        cut.Find("#import-start").Click();
        cut.WaitForAssertion(() => Assert.Contains("Imported 2 records.", cut.Find("#import-result").TextContent));
        Assert.Equal("100", cut.Find("#import-progress").GetAttribute("data-progress"));
        Assert.Equal(2, (await Service<RecordQueryService>().ListAsync(table.Id, new RecordQuery())).Total);

        cut.Find("#import-close").Click();
        Assert.IsType<CsvImportResult>((await dialog.Result)!.Data);
    }

    [Fact]
    public async Task CsvImportDialog_ReportsBadCsv()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var cut = Providers();
        await ShowAsync(cut, new DialogParameters<CsvImportDialog> { { d => d.Table, table } });

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("Deal\r\n\"unterminated\r\n", "bad.csv"));

        cut.WaitForAssertion(() => Assert.Contains("not valid CSV", cut.Find("#csv-parse-error").TextContent));
        Assert.True(cut.Find("#import-start").HasAttribute("disabled"));
    }

    [Fact]
    public async Task RecordDrawer_ShowsEveryFieldAndWho_AndDuplicates()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var record = await Service<RecordService>().CreateAsync(table.Id, new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = "Acme", ["Value"] = 3 }), AdminId);
        var cut = RenderWithProviders<RecordDrawer>(p => p.Add(d => d.Table, table).Add(d => d.RecordId, record.Id).Add(d => d.Open, true));

        cut.WaitForAssertion(() => Assert.Contains("admin@example.com", cut.Find("[data-system='created']").TextContent));
        Assert.Equal(table.Fields.Count, cut.FindAll("#drawer-fields [data-field]").Count);
        Assert.Equal(record.Id, cut.Find("[data-system='id']").TextContent);

        cut.Find("#drawer-duplicate").Click();
        cut.WaitForAssertion(() => Assert.NotEqual(record.Id, cut.Find("[data-system='id']").TextContent));
        var page = await Service<RecordQueryService>().ListAsync(table.Id, new RecordQuery());
        Assert.Equal(2, page.Total);
        Assert.All(page.Records, r => Assert.Equal("Acme", r.Values[table.Fields[0].Id]!.GetValue<string>()));
    }

    [Fact]
    public async Task RecordDrawer_DeletesOnlyAfterConfirmation()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var record = await Service<RecordService>().CreateAsync(table.Id, new RecordInput(new Dictionary<string, JsonNode?> { ["Deal"] = "Acme" }), AdminId);
        var cut = RenderWithProviders<RecordDrawer>(p => p.Add(d => d.Table, table).Add(d => d.RecordId, record.Id).Add(d => d.Open, true));
        cut.WaitForAssertion(() => cut.Find("#drawer-delete"));

        cut.Find("#drawer-delete").Click();
        cut.WaitForAssertion(() => Assert.Contains("Delete this record?", cut.Markup));
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        Assert.NotNull(await Service<RecordQueryService>().GetAsync(table.Id, record.Id));

        cut.Find("#drawer-delete").Click();
        cut.WaitForAssertion(() => Assert.Contains("Delete this record?", cut.Markup));
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();
        cut.WaitForAssertion(() => Assert.Contains("Record deleted.", cut.Markup));
        Assert.Null(await Service<RecordQueryService>().GetAsync(table.Id, record.Id));
    }

    [Fact]
    public async Task TableMenu_RenamesTheTable()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var cut = RenderWithProviders<TableMenu>(p => p.Add(m => m.Table, table));

        cut.Find("#table-menu button").Click();
        cut.WaitForAssertion(() => cut.Find("#rename-table"));
        cut.Find("#rename-table").Click();
        cut.WaitForAssertion(() => cut.Find("input#prompt-text"));
        cut.Find("input#prompt-text").Input("Pipeline " + table.Id);
        cut.Find("#prompt-save").Click();

        cut.WaitForAssertion(() => Assert.Contains("Table renamed.", cut.Markup));
        Assert.Equal("Pipeline " + table.Id, (await Service<TableService>().GetAsync(table.Id))!.Name);
    }
}

public sealed class FieldManagementComponentTests(UndbFactory factory) : ComponentTestContext(factory), IClassFixture<UndbFactory>
{
    [Fact]
    public async Task FieldsDialog_ReordersHidesAndDeletesFields_DeletionAfterConfirmation()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var cut = RenderWithProviders<RecordsGrid>(p => p.Add(g => g.Table, table));
        cut.WaitForAssertion(() => cut.Find("#manage-fields"));
        cut.Find("#manage-fields").Click();
        cut.WaitForAssertion(() => Assert.Equal(table.Fields.Count, cut.FindAll(".fields-item").Count));

        cut.Find("[data-manage-field='Deal'] .field-down").Click();
        cut.WaitForAssertion(async () => Assert.Equal("Notes", (await Service<TableService>().GetAsync(table.Id))!.Fields[0].Name));

        cut.Find("[data-manage-field='Tags'] .field-visibility").Click();
        cut.WaitForAssertion(async () => Assert.True((await Service<TableService>().GetAsync(table.Id))!.Fields.Single(f => f.Name == "Tags").Hidden));

        cut.Find("[data-manage-field='Site'] .field-delete").Click();
        cut.WaitForAssertion(() => Assert.Contains("Delete field 'Site'?", cut.Markup));
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete field").Click();
        cut.WaitForAssertion(async () => Assert.DoesNotContain((await Service<TableService>().GetAsync(table.Id))!.Fields, f => f.Name == "Site"));
    }

    [Fact]
    public async Task DeletingAFieldUsedByWebhooks_TheConfirmationNamesThem_AndCancelKeepsTheField()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var webhooks = Factory.Services.GetRequiredService<Undb.Features.Webhooks.Outbound.WebhookService>();
        await webhooks.CreateAsync(table.Id, new Undb.Features.Webhooks.Outbound.WebhookRequest("Sites", "https://example.com/hook", "POST", ["record.created"], null, true,
            new Undb.Features.Webhooks.Outbound.WebhookCondition("and", [new Undb.Features.Webhooks.Outbound.ConditionFilter("Site", "isNotEmpty")], null)), null);
        var cut = RenderWithProviders<RecordsGrid>(p => p.Add(g => g.Table, table));
        cut.WaitForAssertion(() => cut.Find("#manage-fields"));
        cut.Find("#manage-fields").Click();
        cut.WaitForAssertion(() => Assert.Equal(table.Fields.Count, cut.FindAll(".fields-item").Count));

        cut.Find("[data-manage-field='Site'] .field-delete").Click();

        cut.WaitForAssertion(() => Assert.Contains("Webhook \"Sites\" (condition filter)", cut.Find("#field-delete-usages").TextContent));
        Assert.Contains("uses a deleted field", cut.Find("#field-delete-usages").TextContent);
        cut.Find("#field-delete-cancel").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("#field-delete-usages")));
        Assert.Contains((await Service<TableService>().GetAsync(table.Id))!.Fields, f => f.Name == "Site");
    }

    [Fact]
    public async Task TableMenu_DeletesTheTable_OnlyAfterConfirmation()
    {
        var table = await TablesSeed.DealsAsync(Factory.Services);
        var cut = RenderWithProviders<TableMenu>(p => p.Add(m => m.Table, table));

        cut.Find("#table-menu button").Click();
        cut.WaitForAssertion(() => cut.Find("#delete-table"));
        cut.Find("#delete-table").Click();
        cut.WaitForAssertion(() => Assert.Contains("cannot be undone", cut.Markup));
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete table").Click();

        cut.WaitForAssertion(async () => Assert.Null(await Service<TableService>().GetAsync(table.Id)));
    }
}
