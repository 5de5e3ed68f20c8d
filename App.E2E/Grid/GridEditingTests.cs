using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E.Grid;

[Collection(BrowserCollection.Name)]
public sealed class GridEditingTests(BrowserFixture browser, SharedServer app) : IClassFixture<SharedServer>
{
    private static readonly (string, string, string[]?)[] AllTypes =
    [
        ("Deal", "text", null), ("Notes", "longText", null), ("Value", "number", null), ("Won", "checkbox", null),
        ("Stage", "singleSelect", ["Lead", "Won", "Lost"]), ("Tags", "multiSelect", ["hot", "cold", "vip"]),
        ("Close", "date", null), ("Contact", "email", null), ("Site", "url", null),
    ];

    [Fact]
    public async Task CreateTable_WithFields_ShowsTheirColumns()
    {
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        var name = "Made in UI " + Guid.NewGuid().ToString("N")[..4];

        await page.ClickAsync("#home-new-table");
        await page.FillAsync("input#table-name, #table-name input", name);
        await page.ClickAsync("#add-field-row");
        await page.Locator(".field-name input").Nth(1).FillAsync("Amount");
        await page.Locator(".field-type").Nth(1).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Number" }).ClickAsync();
        await page.ClickAsync("#add-field-row");
        await page.Locator(".field-name input").Nth(2).FillAsync("Stage");
        await page.Locator(".field-type").Nth(2).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Single select" }).ClickAsync();
        await page.Locator(".field-choices input").FillAsync("Lead, Won");
        await page.ClickAsync("#create-table-submit");

        await Expect(page.Locator("#table-title")).ToHaveTextAsync(name);
        var grid = new GridPage(page);
        await Expect(grid.Header("Name")).ToBeVisibleAsync();
        await Expect(grid.Header("Amount")).ToBeVisibleAsync();
        await Expect(grid.Header("Stage")).ToBeVisibleAsync();
        await Expect(page.Locator("#grid-empty")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task InlineEditing_WorksForEveryFieldType_AndRejectsBadValuesAtTheCell()
    {
        var (tableId, _) = await app.CreateTableAsync("Edit", AllTypes);
        var id = await app.CreateRecordAsync(tableId, new { Deal = "Acme" });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;

        // Text: Enter saves.
        await grid.BeginEditAsync(id, "Deal");
        await grid.Editor.Locator("input").FillAsync("Acme Corp");
        await grid.Editor.Locator("input").PressAsync("Enter");
        await Expect(grid.Cell(id, "Deal")).ToHaveTextAsync("Acme Corp");
        // Clicking into a cell edits it; it does not select the row.
        await Expect(page.Locator("#selection-count")).ToHaveCountAsync(0);

        // Escape cancels.
        await grid.BeginEditAsync(id, "Deal");
        await grid.Editor.Locator("input").FillAsync("Never saved");
        await grid.Editor.Locator("input").PressAsync("Escape");
        await Expect(grid.Editor).ToHaveCountAsync(0);
        await Expect(grid.Cell(id, "Deal")).ToHaveTextAsync("Acme Corp");

        // Long text.
        await grid.BeginEditAsync(id, "Notes");
        await grid.Editor.Locator("textarea").FillAsync("Met at the fair");
        await grid.Editor.Locator("textarea").PressAsync("Enter");
        await Expect(grid.Cell(id, "Notes")).ToHaveTextAsync("Met at the fair");

        // Number, then Tab saves and moves the cell cursor on (to Won, a checkbox, then Stage); Enter edits Stage.
        await grid.BeginEditAsync(id, "Value");
        await grid.Editor.Locator("input").FillAsync("1234.5");
        await grid.Editor.Locator("input").PressAsync("Tab");
        await Expect(grid.Cell(id, "Won")).ToBeFocusedAsync();
        await Expect(grid.Editor).ToHaveCountAsync(0);
        await Expect(grid.Cell(id, "Value")).ToContainTextAsync("234");
        await page.Keyboard.PressAsync("Tab");
        await Expect(grid.Cell(id, "Stage")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-editing-field='Stage']")).ToBeVisibleAsync();
        // The select opens by itself; choosing saves.
        await page.GetByRole(AriaRole.Option, new() { Name = "Won", Exact = true }).ClickAsync();
        await Expect(grid.Cell(id, "Stage")).ToHaveTextAsync("Won");

        // A letter typed on a select cell picks the first choice it starts, and Enter saves it at once.
        await Expect(grid.Cell(id, "Stage")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("l");
        await page.Keyboard.PressAsync("Enter");
        await Expect(grid.Cell(id, "Stage")).ToHaveTextAsync("Lead");
        await Expect(page.Locator("[data-editing-field='Stage']")).ToHaveCountAsync(0);
        // Enter on the choice already shown closes the editor, changing nothing.
        await grid.Cell(id, "Stage").PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Option, new() { Name = "Lead", Exact = true })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-editing-field='Stage']")).ToHaveCountAsync(0);
        await Expect(grid.Cell(id, "Stage")).ToHaveTextAsync("Lead");

        // Checkbox toggles on click.
        await grid.Cell(id, "Won").ClickAsync();
        await Expect(grid.Cell(id, "Won")).ToHaveAttributeAsync("data-checked", "true");

        // Multi-select: tick choices, click away to close the list, which saves.
        await grid.BeginEditAsync(id, "Tags");
        await page.GetByRole(AriaRole.Option, new() { Name = "hot", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "vip", Exact = true }).ClickAsync();
        var title = (await page.Locator("#table-title").BoundingBoxAsync())!;
        await page.Mouse.ClickAsync(title.X + 2, title.Y + 2);
        await Expect(grid.Cell(id, "Tags")).ToContainTextAsync("hot");
        await Expect(grid.Cell(id, "Tags")).ToContainTextAsync("vip");

        // Date.
        await grid.BeginEditAsync(id, "Close");
        await grid.Editor.Locator("input").FillAsync("2026-12-24");
        await grid.Editor.Locator("input").PressAsync("Enter");
        await Expect(grid.Cell(id, "Close")).ToContainTextAsync("2026");

        // A rejected email shows its error at the cell and keeps the old (empty) value.
        await grid.BeginEditAsync(id, "Contact");
        await grid.Editor.Locator("input").FillAsync("not-an-email");
        await grid.Editor.Locator("input").PressAsync("Enter");
        await Expect(grid.Editor.Locator(".cell-error")).ToContainTextAsync("email");
        await grid.Editor.Locator("input").PressAsync("Escape");
        await Expect(grid.Cell(id, "Contact")).ToHaveTextAsync("");
        await grid.BeginEditAsync(id, "Contact");
        await grid.Editor.Locator("input").FillAsync("ceo@acme.test");
        await grid.Editor.Locator("input").PressAsync("Enter");
        await Expect(grid.Cell(id, "Contact")).ToHaveTextAsync("ceo@acme.test");

        // URL.
        await grid.BeginEditAsync(id, "Site");
        await grid.Editor.Locator("input").FillAsync("https://acme.test");
        await grid.Editor.Locator("input").PressAsync("Enter");
        await Expect(grid.Cell(id, "Site")).ToHaveTextAsync("https://acme.test");

        // Delete on a cell clears it, and the cursor stays there.
        await Expect(grid.Cell(id, "Site")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Delete");
        await Expect(grid.Cell(id, "Site")).ToHaveTextAsync("");
        await page.Keyboard.PressAsync("Shift+Tab");
        await Expect(grid.Cell(id, "Contact")).ToBeFocusedAsync();

        // Ctrl+Z puts the cleared value back and takes the cursor to it; Ctrl+Shift+Z clears it again.
        await page.Keyboard.PressAsync("Control+z");
        await Expect(grid.Cell(id, "Site")).ToHaveTextAsync("https://acme.test");
        await Expect(grid.Cell(id, "Site")).ToBeFocusedAsync();
        await Expect(page.Locator(".mud-snackbar", new() { HasText = "Undone: the change to Site." })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Control+Shift+z");
        await Expect(grid.Cell(id, "Site")).ToHaveTextAsync("");
        await Expect(grid.Cell(id, "Site")).ToBeFocusedAsync();
        // In a text field Ctrl+Z is the text's own: the grid's changes stay.
        var search = page.GetByPlaceholder("Search");
        await search.FocusAsync();
        await page.Keyboard.TypeAsync("ac");
        await page.Keyboard.PressAsync("Control+z");
        await Expect(search).ToHaveValueAsync("");
        await Expect(grid.Cell(id, "Site")).ToHaveTextAsync("");

        var values = await app.GetRecordValuesAsync(tableId, id);
        Assert.Equal("Acme Corp", values["Deal"]!.GetValue<string>());
        Assert.Equal("Met at the fair", values["Notes"]!.GetValue<string>());
        Assert.Equal(1234.5m, values["Value"]!.GetValue<decimal>());
        Assert.True(values["Won"]!.GetValue<bool>());
        Assert.Equal("Lead", values["Stage"]!.GetValue<string>());
        Assert.Equal(["hot", "vip"], values["Tags"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
        Assert.Equal("2026-12-24", values["Close"]!.GetValue<string>());
        Assert.Equal("ceo@acme.test", values["Contact"]!.GetValue<string>());
        Assert.Null(values["Site"]);
    }

    [Fact]
    public async Task SortSearchAndFilter_NarrowAndOrderTheGrid()
    {
        var (tableId, _) = await app.CreateTableAsync("Find", ("Deal", "text", null), ("Value", "number", null));
        var ids = new Dictionary<string, string>();
        foreach (var (deal, value) in new[] { ("Beta", 20), ("Alpha", 300), ("Gamma", 5) })
        {
            ids[deal] = await app.CreateRecordAsync(tableId, new { Deal = deal, Value = value });
        }
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;
        await grid.ExpectCountAsync(3);

        // Sort by Value, descending from the column menu; then ascending by clicking the name.
        await grid.OpenFieldMenuAsync("Value");
        await page.Locator(".menu-sort-desc").ClickAsync();
        await Expect(grid.Grid.Locator("tbody tr").First).ToContainTextAsync("Alpha");
        // Screen readers hear which column is sorted, and which way.
        await Expect(grid.Grid.Locator("th[aria-sort]")).ToHaveCountAsync(1);
        await Expect(grid.Grid.Locator("th", new() { Has = grid.Header("Value") })).ToHaveAttributeAsync("aria-sort", "descending");
        await grid.Header("Value").Locator(".field-header-name").ClickAsync();
        await Expect(grid.Grid.Locator("tbody tr").First).ToContainTextAsync("Gamma");
        await Expect(grid.Grid.Locator("th", new() { Has = grid.Header("Value") })).ToHaveAttributeAsync("aria-sort", "ascending");
        // The name is a button: the keyboard sorts the other way with Enter.
        await grid.Header("Value").Locator("button.field-header-name").PressAsync("Enter");
        await Expect(grid.Grid.Locator("th", new() { Has = grid.Header("Value") })).ToHaveAttributeAsync("aria-sort", "descending");
        await Expect(grid.Grid.Locator("tbody tr").First).ToContainTextAsync("Alpha");

        // Quick search.
        await page.Locator("input#grid-search").FillAsync("bet");
        await grid.ExpectCountAsync(1);
        await Expect(grid.Row("Beta")).ToBeVisibleAsync();
        await page.Locator("input#grid-search").PressAsync("Escape"); // Escape clears the search
        await Expect(page.Locator("input#grid-search")).ToHaveValueAsync("");
        await grid.ExpectCountAsync(3);

        // Filter: Value > 10.
        var row = await grid.FilterAsync("Value", ">", "10");
        await grid.ExpectCountAsync(2);
        await Expect(grid.Row("Gamma")).ToHaveCountAsync(0);
        // A value the field cannot take is marked at the box and not applied, rather than reading "no records match".
        await row.Locator(".filter-value input").FillAsync("abc");
        await Expect(row.Locator(".filter-value")).ToContainTextAsync("needs a number, not \"abc\"");
        await grid.ExpectCountAsync(3);
        await row.Locator(".filter-value input").FillAsync("10");
        await grid.ExpectCountAsync(2);
        await row.Locator(".filter-remove").ClickAsync();
        await grid.ExpectCountAsync(3);
    }

    /// <summary>
    /// Filters by keyboard alone: opening the bar, adding a condition and removing one each leave the keyboard where the
    /// next keystroke belongs (the new row's value, the next row's remove button, "Add condition").
    /// </summary>
    [Fact]
    public async Task Filters_ByKeyboardAlone_TheKeyboardGoesToTheNewRowsValue()
    {
        var (tableId, _) = await app.CreateTableAsync("Filter keys", ("Deal", "text", null), ("Value", "number", null));
        foreach (var (deal, value) in new[] { ("Beta Ltd", 20), ("Alpha Ltd", 300), ("Gamma", 5) })
        {
            await app.CreateRecordAsync(tableId, new { Deal = deal, Value = value });
        }
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;
        var keys = page.Keyboard;
        var rows = page.Locator(".filter-row");
        await grid.ExpectCountAsync(3);

        // Filter opens with a row on the first field (Deal contains …), its value box ready for typing.
        await page.Locator("#toggle-filters").FocusAsync();
        await keys.PressAsync("Enter");
        await Expect(rows.First.Locator(".filter-value input")).ToBeFocusedAsync();
        await keys.TypeAsync("ltd");
        await grid.ExpectCountAsync(2);

        // Add condition: a second row, the keyboard in its value; "ltd" and "Beta" leave one record.
        await page.Locator("#add-filter-row").FocusAsync();
        await keys.PressAsync("Enter");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(1).Locator(".filter-value input")).ToBeFocusedAsync();
        await keys.TypeAsync("Beta");
        await grid.ExpectCountAsync(1);

        // Removing the first row: the keyboard goes to the remove button of the row now first; removing that one too
        // leaves it on "Add condition".
        await rows.First.Locator(".filter-remove").FocusAsync();
        await keys.PressAsync("Enter");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.Locator(".filter-remove")).ToBeFocusedAsync();
        await grid.ExpectCountAsync(1);
        await keys.PressAsync("Enter");
        await Expect(rows).ToHaveCountAsync(0);
        await Expect(page.Locator("#add-filter-row")).ToBeFocusedAsync();
        await grid.ExpectCountAsync(3);
    }

    [Fact]
    public async Task TheGridsSortAndFilters_AreThereAgain_AfterAVisitElsewhere()
    {
        var (tableId, _) = await app.CreateTableAsync("Come back", ("Deal", "text", null), ("Value", "number", null));
        foreach (var (deal, value) in new[] { ("Beta", 20), ("Alpha", 300), ("Gamma", 5) })
        {
            await app.CreateRecordAsync(tableId, new { Deal = deal, Value = value });
        }
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;
        await grid.ExpectCountAsync(3);
        await grid.OpenFieldMenuAsync("Value");
        await page.Locator(".menu-sort-desc").ClickAsync();
        await grid.FilterAsync("Value", ">", "10");
        await grid.ExpectCountAsync(2);
        await Expect(grid.Grid.Locator("tbody tr").First).ToContainTextAsync("Alpha");

        // Away to another page of the app and back by the menu, in the same browser tab.
        await page.ClickAsync("#nav-workspace-webhooks");
        await Expect(page.Locator("[data-grid-host]")).ToHaveCountAsync(0);
        await page.Locator(".nav-table-link", new() { HasText = "Come back" }).ClickAsync();

        await grid.ExpectCountAsync(2);
        await Expect(grid.Grid.Locator("tbody tr").First).ToContainTextAsync("Alpha");
        await Expect(page.Locator(".filter-row .filter-value input")).ToHaveValueAsync("10");
        await UiActions.ShotAsync(page, "grid-view-after-coming-back");
    }

    [Fact]
    public async Task DeletingAFieldFromItsColumn_PutsTheKeyboardBackInTheGrid()
    {
        var (tableId, _) = await app.CreateTableAsync("Drop column", ("Deal", "text", null), ("Notes", "text", null));
        var id = await app.CreateRecordAsync(tableId, new { Deal = "Acme", Notes = "call back" });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;

        await grid.OpenFieldMenuAsync("Notes");
        await page.Locator(".menu-delete-field").ClickAsync();
        // The dialog opens with the keyboard on Cancel, the safe answer; Tab to "Delete field", Enter. (Moving the
        // keyboard there before the dialog had put it on Cancel lost that race on a busy machine: Enter cancelled.)
        await Expect(page.Locator("#field-delete-cancel")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#field-delete-confirm")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(grid.Header("Notes")).ToHaveCountAsync(0);
        // The column and its menu are gone: the keyboard is on the grid's first cell, so arrows and typing go on there.
        await Expect(grid.Cell(id, "Deal")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".cell-editor")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task RenamingAField_KeepsItsData()
    {
        var (tableId, _) = await app.CreateTableAsync("Rename", ("Deal", "text", null), ("Value", "number", null));
        var id = await app.CreateRecordAsync(tableId, new { Deal = "Acme", Value = 42 });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;

        await grid.OpenFieldMenuAsync("Value");
        await page.Locator(".menu-edit-field").ClickAsync();
        await page.FillAsync("#field-name input, input#field-name", "Amount");
        await page.ClickAsync("#field-save");

        await Expect(grid.Header("Amount")).ToBeVisibleAsync();
        await Expect(grid.Cell(id, "Amount")).ToHaveTextAsync("42");
        Assert.Equal(42, (await app.GetRecordValuesAsync(tableId, id))["Amount"]!.GetValue<int>());
    }
}
