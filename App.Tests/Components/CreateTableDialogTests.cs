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

    /// <summary>Types into an input and waits for the dialog to re-render with it, so the next click sees fresh markup.</summary>
    private static void Type(IRenderedComponent<MudDialogProvider> provider, string selector, int index, string value)
    {
        provider.FindAll(selector)[index].Change(value);
        provider.WaitForAssertion(() => Assert.Equal(value, provider.FindAll(selector)[index].GetAttribute("value")));
    }

    private static void Type(IRenderedComponent<MudDialogProvider> provider, string selector, string value) => Type(provider, selector, 0, value);

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
        Type(provider, "#table-name", "Deals");
        provider.Find("#add-field-row").Click();
        provider.WaitForAssertion(() => Assert.Equal(2, FieldNameInputs(provider).Count));
        Type(provider, ".field-name input", 1, "name");

        provider.Find("#create-table-submit").Click();

        provider.WaitForAssertion(() => Assert.Contains("Field name 'Name' is used more than once.", provider.Find("#create-table-error").TextContent));
        Assert.False(dialog.Result.IsCompleted);
        Assert.Empty(await Tables.ListAsync());
    }

    [Fact]
    public async Task EmptyFieldName_MarksThatRow()
    {
        var (provider, _) = await ShowAsync();
        Type(provider, "#table-name", "Deals");
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
        Type(provider, "#table-name", "deals");

        provider.Find("#create-table-submit").Click();

        provider.WaitForAssertion(() => Assert.Contains("A table named 'deals' already exists.", provider.Markup));
        Assert.False(dialog.Result.IsCompleted);
        Assert.Single(await Tables.ListAsync());
    }

    [Fact]
    public async Task Creating_ClosesWithTheNewTable()
    {
        var (provider, dialog) = await ShowAsync();
        Type(provider, "#table-name", "  Deals  ");
        provider.Find("#add-field-row").Click();
        provider.WaitForAssertion(() => Assert.Equal(2, FieldNameInputs(provider).Count));
        Type(provider, ".field-name input", 1, "Notes");

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
        Type(provider, "#table-name", "Mine");

        provider.Find("#create-table-submit").Click();

        await dialog.Result.WaitAsync(TimeSpan.FromSeconds(30));
        await using var db = await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal(UserId, (await db.Tables.SingleAsync()).CreatedById);
    }

    [Fact]
    public async Task Cancel_ClosesWithoutCreating()
    {
        var (provider, dialog) = await ShowAsync();
        provider.WaitForAssertion(() => Assert.Equal("Cancel", provider.Find(".mud-dialog-actions button").TextContent.Trim()));

        provider.Find(".mud-dialog-actions button").Click();

        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result!.Canceled);
        Assert.Empty(await Tables.ListAsync());
    }
}
