using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E.Grid;

/// <summary>The grid's cell cursor and inline editors, driven by keyboard only, at full typing speed and over a slow link.</summary>
[Collection(BrowserCollection.Name)]
public sealed class GridKeyboardTests(BrowserFixture browser, SharedServer app) : IClassFixture<SharedServer>
{
    private const string Typed = "Umbrella nycqkocf 12500";

    /// <summary>
    /// Issue #17 item 2: typing at full speed (no delay between keys) used to lose characters, as each key went to the
    /// server and came back as a re-render with an older text. On a slow circuit it lost most of them.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(250)]
    public async Task TypingAtFullSpeed_KeepsEveryCharacter(int latencyMs)
    {
        var (tableId, _) = await app.CreateTableAsync("Typing", ("Deal", "text", null), ("Value", "number", null));
        var id = await app.CreateRecordAsync(tableId, new { Deal = "Old name", Value = 1 });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId, TimeSpan.FromMilliseconds(latencyMs));
        var keyboard = grid.Page.Keyboard;

        // Click a cell, select all, type, Enter.
        await grid.BeginEditAsync(id, "Deal");
        await keyboard.PressAsync("Control+A");
        await keyboard.TypeAsync(Typed);
        await keyboard.PressAsync("Enter");
        await Expect(grid.Editor).ToHaveCountAsync(0);
        await Expect(grid.Cell(id, "Deal")).ToHaveTextAsync(Typed);
        Assert.Equal(Typed, (await app.GetRecordValuesAsync(tableId, id))["Deal"]!.GetValue<string>());

        // Without a click: the cursor moves to the next cell and typing there starts the edit, the first key included,
        // while the editor is still on its way from the server.
        await Expect(grid.Cell(id, "Deal")).ToBeFocusedAsync();
        await keyboard.PressAsync("ArrowRight");
        await keyboard.TypeAsync("12500.75");
        await keyboard.PressAsync("Enter");
        await Expect(grid.Cell(id, "Value")).ToHaveTextAsync("12,500.75");
        Assert.Equal(12500.75m, (await app.GetRecordValuesAsync(tableId, id))["Value"]!.GetValue<decimal>());
    }

    /// <summary>
    /// Values typed one after another without waiting (a paste tool, a scanner, a fast typist): each Enter or Tab ends
    /// its value, and the keys after it start the next cell's, even when they all arrive before the first editor has
    /// opened. Over a slow link they always do; before, they were added to the first value ("C4D5") or lost.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(250)]
    public async Task ValuesTypedOneAfterAnother_AtFullSpeed_EachLandInTheirOwnCell(int latencyMs)
    {
        var (tableId, _) = await app.CreateTableAsync("Burst", ("Deal", "text", null), ("Value", "number", null), ("Note", "text", null));
        var first = await app.CreateRecordAsync(tableId, new { Deal = "one" });
        var second = await app.CreateRecordAsync(tableId, new { Deal = "two" });
        var third = await app.CreateRecordAsync(tableId, new { Deal = "three" });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId, TimeSpan.FromMilliseconds(latencyMs));
        var keys = grid.Page.Keyboard;

        // Down a column with Enter.
        await grid.Cell(first, "Deal").FocusAsync();
        foreach (var value in new[] { "B3", "C4", "D5" })
        {
            await keys.TypeAsync(value);
            await keys.PressAsync("Enter");
        }
        await Expect(grid.Cell(first, "Deal")).ToHaveTextAsync("B3");
        await Expect(grid.Cell(second, "Deal")).ToHaveTextAsync("C4");
        await Expect(grid.Cell(third, "Deal")).ToHaveTextAsync("D5");
        await Expect(grid.Editor).ToHaveCountAsync(0);

        // Along a row with Tab.
        await grid.Cell(first, "Deal").FocusAsync();
        await keys.TypeAsync("Tabby");
        await keys.PressAsync("Tab");
        await keys.TypeAsync("4242");
        await keys.PressAsync("Tab");
        await keys.TypeAsync("w");
        await keys.PressAsync("Enter");
        await Expect(grid.Cell(first, "Note")).ToHaveTextAsync("w");
        await Expect(grid.Cell(first, "Value")).ToHaveTextAsync("4,242");
        await Expect(grid.Cell(first, "Deal")).ToHaveTextAsync("Tabby");
        var values = await app.GetRecordValuesAsync(tableId, first);
        Assert.Equal("Tabby", values["Deal"]!.GetValue<string>());
        Assert.Equal(4242m, values["Value"]!.GetValue<decimal>());
        Assert.Equal("w", values["Note"]!.GetValue<string>());
        Assert.Equal("C4", (await app.GetRecordValuesAsync(tableId, second))["Deal"]!.GetValue<string>());
    }

    /// <summary>
    /// The cell cursor: arrows move, Enter or typing edits (typing replaces the value, its first key kept), Escape
    /// cancels, Enter commits and moves down (as in a spreadsheet; on the last row it stays), Tab/Shift+Tab commit and move right/left, and focus always
    /// lands back on a grid cell. Selects neither trap focus nor commit on Escape. Over a slow link (or on a busy
    /// server) the keys arrive before the server's re-renders and must still be handled the same way.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(250)]
    public async Task TheCellCursor_IsDrivenByTheKeyboardAlone(int latencyMs)
    {
        var (tableId, _) = await app.CreateTableAsync("Keys", ("Deal", "text", null), ("Value", "number", null), ("Won", "checkbox", null),
            ("Stage", "singleSelect", ["Lead", "Won", "Lost"]), ("Tags", "multiSelect", ["hot", "cold", "vip"]));
        var alpha = await app.CreateRecordAsync(tableId, new { Deal = "Alpha", Value = 1 });
        var beta = await app.CreateRecordAsync(tableId, new { Deal = "Beta", Value = 2 });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId, TimeSpan.FromMilliseconds(latencyMs));
        var page = grid.Page;
        var keys = page.Keyboard;

        // A click edits; Escape cancels and leaves the cursor on the cell.
        await grid.BeginEditAsync(alpha, "Deal");
        await keys.TypeAsync(" typed");
        await keys.PressAsync("Escape");
        await Expect(grid.Editor).ToHaveCountAsync(0);
        await Expect(grid.Cell(alpha, "Deal")).ToBeFocusedAsync();
        await Expect(grid.Cell(alpha, "Deal")).ToHaveTextAsync("Alpha");

        // Arrows move; typing on a cell replaces its value, starting with the first key; Enter commits and moves down.
        await keys.PressAsync("ArrowDown");
        await Expect(grid.Cell(beta, "Deal")).ToBeFocusedAsync();
        await keys.PressAsync("ArrowRight");
        await Expect(grid.Cell(beta, "Value")).ToBeFocusedAsync();
        await keys.TypeAsync("42");
        await Expect(grid.Editor.Locator("input")).ToHaveValueAsync("42");
        await keys.PressAsync("Enter");
        await Expect(grid.Editor).ToHaveCountAsync(0);
        await Expect(grid.Cell(beta, "Value")).ToHaveTextAsync("42");
        await Expect(grid.Cell(beta, "Value")).ToBeFocusedAsync(); // the last row: Enter saves and stays
        await keys.PressAsync("ArrowUp");
        await Expect(grid.Cell(alpha, "Value")).ToBeFocusedAsync();
        await keys.TypeAsync("7");
        await keys.PressAsync("Enter"); // saves and moves down a row, as in a spreadsheet
        await Expect(grid.Cell(beta, "Value")).ToBeFocusedAsync();
        await Expect(grid.Cell(alpha, "Value")).ToHaveTextAsync("7");

        // Tab moves right over every cell; Space toggles a checkbox in place.
        await keys.PressAsync("Tab");
        await Expect(grid.Cell(beta, "Won")).ToBeFocusedAsync();
        await keys.PressAsync(" ");
        await Expect(grid.Cell(beta, "Won")).ToHaveAttributeAsync("data-checked", "true");
        await keys.PressAsync("Tab");
        await Expect(grid.Cell(beta, "Stage")).ToBeFocusedAsync();

        // A single select: Tab onto it does not open it (no trap); Enter opens it; arrows move through the choices
        // without saving; Enter picks; Tab out of an open one leaves it as it was.
        await Expect(grid.Editor).ToHaveCountAsync(0);
        await keys.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Option, new() { Name = "Lead", Exact = true })).ToBeVisibleAsync();
        await keys.PressAsync("ArrowDown");
        await keys.PressAsync("ArrowDown");
        await keys.PressAsync("Enter");
        await Expect(grid.Cell(beta, "Stage")).ToHaveTextAsync("Won");
        await Expect(grid.Cell(beta, "Stage")).ToBeFocusedAsync();
        await keys.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Option, new() { Name = "Lost", Exact = true })).ToBeVisibleAsync();
        await keys.PressAsync("Tab");
        await Expect(grid.Editor).ToHaveCountAsync(0);
        await Expect(grid.Cell(beta, "Tags")).ToBeFocusedAsync();
        await Expect(grid.Cell(beta, "Stage")).ToHaveTextAsync("Won");

        // A multi select: Escape after ticking a choice cancels (nothing saved); Tab after ticking one commits it.
        await keys.PressAsync("Enter");
        await page.GetByRole(AriaRole.Option, new() { Name = "hot", Exact = true }).ClickAsync();
        await keys.PressAsync("Escape");
        await Expect(grid.Editor).ToHaveCountAsync(0);
        await Expect(grid.Cell(beta, "Tags")).ToBeFocusedAsync();
        await Expect(grid.Cell(beta, "Tags")).ToHaveTextAsync("");
        await keys.PressAsync("Enter");
        await page.GetByRole(AriaRole.Option, new() { Name = "vip", Exact = true }).ClickAsync();
        await keys.PressAsync("Shift+Tab");
        await Expect(grid.Cell(beta, "Stage")).ToBeFocusedAsync();
        await Expect(grid.Cell(beta, "Tags")).ToHaveTextAsync("vip");

        // Home; Enter edits keeping the value; Tab commits and moves right; typing then Escape changes nothing.
        await keys.PressAsync("Home");
        await Expect(grid.Cell(beta, "Deal")).ToBeFocusedAsync();
        await keys.PressAsync("Enter");
        await keys.TypeAsync(" Ltd");
        await keys.PressAsync("Tab");
        await Expect(grid.Cell(beta, "Value")).ToBeFocusedAsync();
        await Expect(grid.Cell(beta, "Deal")).ToHaveTextAsync("Beta Ltd");
        await keys.PressAsync("Shift+Tab");
        await keys.TypeAsync("x");
        await keys.PressAsync("Escape");
        await Expect(grid.Cell(beta, "Deal")).ToBeFocusedAsync();
        await Expect(grid.Cell(beta, "Deal")).ToHaveTextAsync("Beta Ltd");

        var values = await app.GetRecordValuesAsync(tableId, beta);
        Assert.Equal("Beta Ltd", values["Deal"]!.GetValue<string>());
        Assert.Equal(42, values["Value"]!.GetValue<decimal>());
        Assert.True(values["Won"]!.GetValue<bool>());
        Assert.Equal("Won", values["Stage"]!.GetValue<string>());
        Assert.Equal(["vip"], values["Tags"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("Alpha", (await app.GetRecordValuesAsync(tableId, alpha))["Deal"]!.GetValue<string>());
        Assert.Equal(7, (await app.GetRecordValuesAsync(tableId, alpha))["Value"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task OneTabStop_LeadsIntoTheGrid_AndTabLeavesItAtTheRowsEnd()
    {
        var (tableId, _) = await app.CreateTableAsync("Tab stop", ("Deal", "text", null), ("Site", "url", null));
        var id = await app.CreateRecordAsync(tableId, new { Deal = "Acme", Site = "https://acme.test" });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);

        // The whole grid is one tab stop (the cursor cell); a link inside a cell is not one of its own.
        Assert.Equal(1, await grid.Grid.Locator("[data-cell][tabindex='0']").CountAsync());
        await Expect(grid.Cell(id, "Site").Locator("a")).ToHaveAttributeAsync("tabindex", "-1");
        await grid.Cell(id, "Deal").FocusAsync();
        await grid.Page.Keyboard.PressAsync("Tab");
        await Expect(grid.Cell(id, "Site")).ToBeFocusedAsync();
        await grid.Page.Keyboard.PressAsync("Tab");
        await Expect(grid.Grid.Locator("[data-cell]:focus")).ToHaveCountAsync(0);
        Assert.NotEqual("BODY", await grid.Page.EvaluateAsync<string>("() => document.activeElement.tagName"));
    }

    /// <summary>
    /// A long page of records scrolls inside the grid, its header row staying on top: walking down to the last row by
    /// keyboard keeps the column names and the pager in view.
    /// </summary>
    [Fact]
    public async Task ALongPage_ScrollsUnderItsHeader_WhichStaysInView()
    {
        var (tableId, _) = await app.CreateTableAsync("Long page", ("Deal", "text", null));
        var ids = new List<string>();
        for (var i = 1; i <= 40; i++)
        {
            ids.Add(await app.CreateRecordAsync(tableId, new { Deal = $"Deal {i:00}" }));
        }
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        await grid.ExpectCountAsync(40);

        var first = grid.Grid.Locator("[data-cell]").First;
        await first.FocusAsync();
        for (var i = 1; i < 40; i++)
        {
            await grid.Page.Keyboard.PressAsync("ArrowDown");
        }
        var last = grid.Grid.Locator("tbody tr", new() { HasText = "Deal 40" }).Locator("[data-cell]").First;
        await Expect(last).ToBeFocusedAsync();
        await Expect(last).ToBeInViewportAsync();
        await Expect(grid.Header("Deal")).ToBeInViewportAsync();
        await Expect(grid.Page.Locator(".mud-table-pagination")).ToBeInViewportAsync();
        await UiActions.ShotAsync(grid.Page, "grid-long-page-scrolled");
    }
}
