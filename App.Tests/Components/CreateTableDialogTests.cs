using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Undb.Data;
using Undb.Features.Tables;
using FieldType = Undb.Features.Tables.FieldType;
using Undb.Features.Tables.Components;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Components;

public sealed class CreateTableDialogTests : ShellTestContext
{
    private async Task<(IRenderedComponent<MudDialogProvider> Provider, IDialogReference Dialog)> ShowAsync()
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        IDialogReference? reference = null;
        await provider.InvokeAsync(async () => reference = await dialogs.ShowAsync<CreateTableDialog>("New table"));
        provider.WaitForAssertion(() => Assert.NotNull(provider.Find("#create-table-submit")));
        return (provider, reference!);
    }

    private static List<string> FieldNameInputs(IRenderedComponent<MudDialogProvider> provider) =>
        provider.FindAll(".field-name input").Select(i => i.GetAttribute("value") ?? "").ToList();

    [Fact]
    public async Task Opens_WithOneTextFieldRow()
    {
        var (provider, _) = await ShowAsync();

        Assert.Equal(["Name"], FieldNameInputs(provider));
    }

    [Fact]
    public async Task EmptyName_ShowsAnError_AndCreatesNothing()
    {
        var (provider, dialog) = await ShowAsync();

        provider.Find("#create-table-submit").Click();

        provider.WaitForAssertion(() => Assert.Contains("A name is required.", provider.Markup));
        Assert.False(dialog.Result.IsCompleted);
        Assert.Empty(await Tables.ListAsync());
    }

    [Fact]
    public async Task DuplicateFieldNames_ShowAnError_AndCreateNothing()
    {
        var (provider, dialog) = await ShowAsync();
        provider.Find("#table-name").Change("Deals");
        provider.Find("#add-field-row").Click();
        provider.WaitForAssertion(() => Assert.Equal(2, FieldNameInputs(provider).Count));
        provider.FindAll(".field-name input")[1].Change("name");

        provider.Find("#create-table-submit").Click();

        provider.WaitForAssertion(() => Assert.Contains("Field name 'Name' is used more than once.", provider.Find("#create-table-error").TextContent));
        Assert.False(dialog.Result.IsCompleted);
        Assert.Empty(await Tables.ListAsync());
    }

    [Fact]
    public async Task EmptyFieldName_MarksThatRow()
    {
        var (provider, _) = await ShowAsync();
        provider.Find("#table-name").Change("Deals");
        provider.Find("#add-field-row").Click();

        provider.Find("#create-table-submit").Click();

        provider.WaitForAssertion(() => Assert.Contains("A name is required.", provider.FindAll(".field-row")[1].TextContent));
        Assert.DoesNotContain("A name is required.", provider.FindAll(".field-row")[0].TextContent);
        Assert.Empty(await Tables.ListAsync());
    }

    [Fact]
    public async Task TakenTableName_ShowsAnErrorOnTheName()
    {
        await CreateTableAsync("Deals");
        var (provider, dialog) = await ShowAsync();
        provider.Find("#table-name").Change("deals");

        provider.Find("#create-table-submit").Click();

        provider.WaitForAssertion(() => Assert.Contains("A table named 'deals' already exists.", provider.Markup));
        Assert.False(dialog.Result.IsCompleted);
        Assert.Single(await Tables.ListAsync());
    }

    [Fact]
    public async Task Creating_ClosesWithTheNewTable()
    {
        var (provider, dialog) = await ShowAsync();
        provider.Find("#table-name").Change("  Deals  ");
        provider.Find("#add-field-row").Click();
        provider.WaitForAssertion(() => Assert.Equal(2, FieldNameInputs(provider).Count));
        provider.FindAll(".field-name input")[1].Change("Notes");

        provider.Find("#create-table-submit").Click();

        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(result!.Canceled);
        var table = Assert.IsType<TableSnapshot>(result.Data);
        Assert.Equal("Deals", table.Name);
        Assert.Equal(["Name", "Notes"], table.Fields.Select(f => f.Name));
        Assert.All(table.Fields, f => Assert.Equal(FieldType.Text, f.Type));
        var stored = Assert.Single(await Tables.ListAsync());
        Assert.Equal(table.Id, stored.Id);
    }

    [Fact]
    public async Task Creating_RecordsTheSignedInUserAsCreator()
    {
        var (provider, dialog) = await ShowAsync();
        provider.Find("#table-name").Change("Mine");

        provider.Find("#create-table-submit").Click();

        await dialog.Result.WaitAsync(TimeSpan.FromSeconds(30));
        await using var db = await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal(UserId, (await db.Tables.SingleAsync()).CreatedById);
    }

    [Fact]
    public async Task Cancel_ClosesWithoutCreating()
    {
        var (provider, dialog) = await ShowAsync();
        provider.Find("#table-name").Change("Never");

        provider.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();

        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result!.Canceled);
        Assert.Empty(await Tables.ListAsync());
    }
}
