using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E.Grid;

/// <summary>
/// Issue #17 item 1: a value an editor cannot parse (a number "abc" or "12k", half a date) used to become "no value"
/// and wipe the stored one, with a "saved" toast. Now it is refused at the field: nothing is written, no toast, and
/// the typed text stays to be fixed. In the record drawer, Add record, bulk edit and the inline cell editor.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ValueSafetyTests(BrowserFixture browser, SharedServer app) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task RecordDrawer_RefusesANumberItCannotParse_AndKeepsTheStoredValue()
    {
        var (tableId, _) = await app.CreateTableAsync("Drawer", ("Deal", "text", null), ("Value", "number", null));
        var id = await app.CreateRecordAsync(tableId, new { Deal = "Acme", Value = 12000 });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;

        await grid.OpenRecordAsync(id);
        var value = grid.FieldInput("Value");
        await Expect(value).ToHaveValueAsync("12000");
        await value.FillAsync("abc");
        await page.ClickAsync("#drawer-save");

        await Expect(page.Locator("#drawer-error")).ToHaveTextAsync("Nothing was saved. Value expects a number, got \"abc\".");
        await Expect(page.GetByText("Record saved.")).ToHaveCountAsync(0);
        await Expect(value).ToHaveValueAsync("abc");
        Assert.Equal(12000, (await app.GetRecordValuesAsync(tableId, id))["Value"]!.GetValue<decimal>());
        await Expect(grid.Cell(id, "Value")).ToHaveTextAsync("12,000");

        await value.FillAsync("12500");
        await page.ClickAsync("#drawer-save");
        await Expect(page.GetByText("Record saved.")).ToBeVisibleAsync();
        Assert.Equal(12500, (await app.GetRecordValuesAsync(tableId, id))["Value"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task AddRecord_RefusesANumberItCannotParse_AndCreatesNothing()
    {
        var (tableId, _) = await app.CreateTableAsync("Add", ("Deal", "text", null), ("Value", "number", null));
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;

        await page.ClickAsync("#add-record");
        await grid.FieldInput("Deal").FillAsync("Umbrella");
        await grid.FieldInput("Value").FillAsync("12k");
        await page.ClickAsync("#record-save");

        await Expect(page.Locator("#record-error")).ToHaveTextAsync("Nothing was saved. Value expects a number, got \"12k\".");
        await Expect(grid.FieldInput("Value")).ToHaveValueAsync("12k");
        Assert.Empty(await app.ListRecordsAsync(tableId));

        await grid.FieldInput("Value").FillAsync("12000");
        await page.ClickAsync("#record-save");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        await grid.ExpectCountAsync(1);
        var record = Assert.Single(await app.ListRecordsAsync(tableId))!["values"]!;
        Assert.Equal(12000, record["Value"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task BulkEdit_RefusesANumberItCannotParse_AndChangesNothing_ThenEnterAppliesAFixedOne()
    {
        var (tableId, _) = await app.CreateTableAsync("Bulk values", ("Deal", "text", null), ("Value", "number", null));
        var one = await app.CreateRecordAsync(tableId, new { Deal = "One", Value = 100 });
        var two = await app.CreateRecordAsync(tableId, new { Deal = "Two", Value = 200 });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;

        await grid.SelectRowAsync("One", 1);
        await grid.SelectRowAsync("Two", 2);
        await page.ClickAsync("#bulk-edit");
        await grid.ChooseAsync(page.Locator(".mud-dialog .mud-select").First, "Value");
        await Expect(grid.FieldInput("Value")).ToBeFocusedAsync(); // the field chosen, the keyboard goes on to its value
        await grid.FieldInput("Value").FillAsync("abc");
        await page.ClickAsync("#bulk-apply");

        await Expect(page.Locator("#bulk-error")).ToHaveTextAsync("Nothing was changed. Value expects a number, got \"abc\".");
        await Expect(grid.FieldInput("Value")).ToHaveValueAsync("abc");
        Assert.Equal(100, (await app.GetRecordValuesAsync(tableId, one))["Value"]!.GetValue<decimal>());
        Assert.Equal(200, (await app.GetRecordValuesAsync(tableId, two))["Value"]!.GetValue<decimal>());

        // Enter in the value applies it, as the button does.
        await grid.FieldInput("Value").FillAsync("7");
        await grid.FieldInput("Value").PressAsync("Enter");
        await Expect(page.GetByText("Updated Value on 2 records.")).ToBeVisibleAsync();
        Assert.Equal(7, (await app.GetRecordValuesAsync(tableId, one))["Value"]!.GetValue<decimal>());
        Assert.Equal(7, (await app.GetRecordValuesAsync(tableId, two))["Value"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task CellEditor_RefusesHalfADate_AndANumberItCannotParse_KeepingTheTypedText()
    {
        var (tableId, _) = await app.CreateTableAsync("Cells", ("Deal", "text", null), ("Value", "number", null), ("Close", "date", null));
        var id = await app.CreateRecordAsync(tableId, new { Deal = "Acme", Value = 12000, Close = "2026-11-22" });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var keys = grid.Page.Keyboard;

        await grid.BeginEditAsync(id, "Close");
        await keys.PressAsync("Control+A");
        await keys.TypeAsync("12/31");
        await keys.PressAsync("Enter");
        await Expect(grid.Editor.Locator(".cell-error")).ToContainTextAsync("Close expects an ISO 8601 date");
        await Expect(grid.Editor.Locator("input")).ToHaveValueAsync("12/31");
        Assert.Equal("2026-11-22", (await app.GetRecordValuesAsync(tableId, id))["Close"]!.GetValue<string>());
        await keys.PressAsync("Control+A");
        await keys.TypeAsync("2026-12-31");
        await keys.PressAsync("Enter");
        await Expect(grid.Cell(id, "Close")).ToHaveTextAsync("31 Dec 2026");

        await grid.BeginEditAsync(id, "Value");
        await keys.PressAsync("Control+A");
        await keys.TypeAsync("12k");
        await keys.PressAsync("Enter");
        await Expect(grid.Editor.Locator(".cell-error")).ToHaveTextAsync("Value expects a number, got \"12k\".");
        await Expect(grid.Editor.Locator("input")).ToHaveValueAsync("12k");
        await keys.PressAsync("Escape");
        await Expect(grid.Cell(id, "Value")).ToHaveTextAsync("12,000");

        var values = await app.GetRecordValuesAsync(tableId, id);
        Assert.Equal(12000, values["Value"]!.GetValue<decimal>());
        Assert.Equal("2026-12-31", values["Close"]!.GetValue<string>());
    }
}
