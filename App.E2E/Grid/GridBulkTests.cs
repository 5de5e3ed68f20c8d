using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E.Grid;

/// <summary>The grid's selection and what it does to several records at once: bulk edit, bulk delete, and their undo.</summary>
[Collection(BrowserCollection.Name)]
public sealed class GridBulkTests(BrowserFixture browser, SharedServer app) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task BulkEdit_ThenBulkDelete_ChangeOnlyTheSelectedRecords()
    {
        var (tableId, _) = await app.CreateTableAsync("Bulk", ("Deal", "text", null), ("Stage", "singleSelect", ["Lead", "Lost"]));
        foreach (var deal in new[] { "Keep", "Drop one", "Drop two" })
        {
            await app.CreateRecordAsync(tableId, new { Deal = deal });
        }
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;
        await grid.ExpectCountAsync(3);
        var gridTop = (await page.Locator("[data-grid-host]").BoundingBoxAsync())!.Y;

        await grid.SelectRowAsync("Drop one", 1);
        await grid.SelectRowAsync("Drop two", 2);
        await Expect(page.Locator("#selection-count")).ToContainTextAsync("2 selected");
        // A ticked box stands out from an empty one in colour too, not only by its shape.
        static Task<string> BoxColour(ILocator row) => row.Locator("td").First.Locator("svg").EvaluateAsync<string>("e => getComputedStyle(e).color");
        Assert.NotEqual(await BoxColour(grid.Row("Keep")), await BoxColour(grid.Row("Drop one")));
        // The header's box says "some are selected" in the same colour.
        var headerBox = page.Locator(".records-grid thead th").First.Locator("svg");
        Assert.Equal(await BoxColour(grid.Row("Drop one")), await headerBox.EvaluateAsync<string>("e => getComputedStyle(e).color"));
        await UiActions.ShotAsync(page, "grid-rows-selected");
        // The toolbar holds the selection's actions on the same line (Fields, Import and Export give way), so the grid
        // does not jump down when a row is ticked.
        await Expect(page.Locator("#bulk-delete")).ToBeVisibleAsync();
        await Expect(page.Locator("#export-csv")).ToHaveCountAsync(0);
        Assert.Equal(gridTop, (await page.Locator("[data-grid-host]").BoundingBoxAsync())!.Y);

        await page.ClickAsync("#bulk-edit");
        // No field chosen yet, so Update is disabled: Tab and Shift+Tab, however fast, go round the dialog's controls
        // and never leave it for the page behind (MudBlazor's focus trap; a new-user run once saw Tab leave it).
        var inDialog = page.Locator(".mud-dialog :focus");
        await Expect(page.Locator("#bulk-apply")).ToBeDisabledAsync();
        await page.Locator("#bulk-field").FocusAsync();
        foreach (var key in new[] { "Tab", "Shift+Tab" })
        {
            for (var i = 0; i < 5; i++)
            {
                await page.Keyboard.PressAsync(key);
            }
            await Expect(inDialog).ToHaveCountAsync(1);
        }
        await grid.ChooseAsync(page.Locator(".mud-dialog .mud-select").First, "Stage");
        await grid.ChooseAsync(page.Locator("#bulk-value .mud-select").First, "Lost");
        await page.ClickAsync("#bulk-apply");
        await Expect(page.GetByText("Updated Stage on 2 records.")).ToBeVisibleAsync();
        await Expect(grid.Row("Drop one")).ToContainTextAsync("Lost");
        await Expect(grid.Row("Keep")).Not.ToContainTextAsync("Lost");
        // Ctrl+Z undoes the whole edit, wherever the keyboard is (here on the toolbar), and Ctrl+Y makes it again.
        await page.Keyboard.PressAsync("Control+z");
        await Expect(page.GetByText("Undone: the change to Stage on 2 records.")).ToBeVisibleAsync();
        await Expect(grid.Row("Drop one")).Not.ToContainTextAsync("Lost");
        await Expect(grid.Row("Drop two")).Not.ToContainTextAsync("Lost");
        await page.Keyboard.PressAsync("Control+y");
        await Expect(grid.Row("Drop one")).ToContainTextAsync("Lost");
        await Expect(grid.Row("Drop two")).ToContainTextAsync("Lost");

        // The selection survives the edit; clearing it unticks the rows.
        await Expect(page.Locator("#selection-count")).ToContainTextAsync("2 selected");
        await page.Locator("#selection-count button").ClickAsync();
        await Expect(page.Locator("#selection-count")).ToHaveCountAsync(0);
        await Expect(grid.Row("Drop one").Locator("input[type=checkbox]")).Not.ToBeCheckedAsync();

        await grid.SelectRowAsync("Drop one", 1);
        await grid.SelectRowAsync("Drop two", 2);
        await page.ClickAsync("#bulk-delete");
        await grid.ConfirmAsync("Delete");

        await Expect(page.GetByText("Deleted 2 records.")).ToBeVisibleAsync();
        await grid.ExpectCountAsync(1);
        Assert.Single(await app.ListRecordsAsync(tableId));
        // The Delete button went with the selection: the keyboard is back in the grid, not at the top of the page.
        await Expect(grid.Row("Keep").Locator("[data-cell]").First).ToBeFocusedAsync();

        // The notice's Undo brings them back as they were.
        await page.Locator(".mud-snackbar", new() { HasText = "Deleted 2 records." }).GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();
        await Expect(page.GetByText("Undone: the deletion of 2 records.")).ToBeVisibleAsync();
        await grid.ExpectCountAsync(3);
        await Expect(grid.Row("Drop two")).ToContainTextAsync("Lost");
        await UiActions.ShotAsync(page, "grid-deletion-undone");
        // Ctrl+Y deletes them again and the keyboard stays in the grid; Ctrl+Z brings them back, the cursor on the first.
        await page.Keyboard.PressAsync("Control+y");
        await grid.ExpectCountAsync(1);
        await Expect(grid.Row("Keep").Locator("[data-cell]").First).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Control+z");
        await grid.ExpectCountAsync(3);
        await Expect(grid.Row("Drop one").Locator("[data-cell]").First).ToBeFocusedAsync();
        Assert.Equal(3, (await app.ListRecordsAsync(tableId)).Count);
    }
}
