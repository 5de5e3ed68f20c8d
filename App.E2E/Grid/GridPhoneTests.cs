using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E.Grid;

/// <summary>
/// The grid on a phone, where its rows are cards and there is no keyboard shortcut to lean on: a tap edits a cell, the
/// editor's ✓ saves, a checkbox toggles in place, and a deletion's notice has the Undo a phone user can reach.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class GridPhoneTests(BrowserFixture browser, SharedServer app) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task OnAPhone_ATapEditsACell_TheTickSaves_ACheckboxToggles_AndADeletionCanBeUndone()
    {
        var (tableId, _) = await app.CreateTableAsync("Phone grid", ("Deal", "text", null), ("Won", "checkbox", null));
        var id = await app.CreateRecordAsync(tableId, new { Deal = "Acme" });
        await app.CreateRecordAsync(tableId, new { Deal = "Globex" });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl, viewport: new() { Width = 390, Height = 844 });
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;
        await grid.ExpectCountAsync(2);

        await grid.BeginEditAsync(id, "Deal");
        await grid.Editor.Locator("input").FillAsync("Acme Corp");
        await grid.Editor.Locator("[data-editor-action='save']").ClickAsync();
        await Expect(grid.Editor).ToHaveCountAsync(0);
        await Expect(grid.Cell(id, "Deal")).ToHaveTextAsync("Acme Corp");
        Assert.Equal("Acme Corp", (await app.GetRecordValuesAsync(tableId, id))["Deal"]!.GetValue<string>());

        await grid.Cell(id, "Won").ClickAsync();
        await Expect(grid.Cell(id, "Won")).ToHaveAttributeAsync("data-checked", "true");
        Assert.True((await app.GetRecordValuesAsync(tableId, id))["Won"]!.GetValue<bool>());
        await UiActions.ShotAsync(page, "phone-grid-edited");

        await grid.SelectRowAsync("Acme Corp", 1);
        await page.ClickAsync("#bulk-delete");
        await grid.ConfirmAsync("Delete");
        await grid.ExpectCountAsync(1);
        await page.Locator(".mud-snackbar", new() { HasText = "Record deleted." }).GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();
        await grid.ExpectCountAsync(2);
        await Expect(grid.Cell(id, "Deal")).ToHaveTextAsync("Acme Corp");
        await Expect(grid.Cell(id, "Won")).ToHaveAttributeAsync("data-checked", "true");
        await UiActions.ShotAsync(page, "phone-grid-deletion-undone");
    }
}
