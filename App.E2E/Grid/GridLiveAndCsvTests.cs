using System.Net.Http.Json;
using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E.Grid;

[Collection(BrowserCollection.Name)]
public sealed class GridLiveAndCsvTests(BrowserFixture browser, SharedServer app) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task RestChanges_AppearLive_InAnOpenGrid()
    {
        var (tableId, _) = await app.CreateTableAsync("Live", ("Deal", "text", null), ("Value", "number", null));
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        await grid.ExpectCountAsync(0);

        var id = await app.CreateRecordAsync(tableId, new { Deal = "From the API", Value = 7 });
        await Expect(grid.Cell(id, "Deal")).ToHaveTextAsync("From the API", new() { Timeout = 5000 });
        await grid.ExpectCountAsync(1);

        (await app.Api.PatchAsJsonAsync($"/api/tables/{tableId}/records/{id}", new { values = new { Value = 8 } })).EnsureSuccessStatusCode();
        await Expect(grid.Cell(id, "Value")).ToHaveTextAsync("8", new() { Timeout = 5000 });
    }

    [Fact]
    public async Task RestChange_DuringACellEdit_KeepsTheEdit_AndShowsTheChange()
    {
        var (tableId, _) = await app.CreateTableAsync("Live edit", ("Deal", "text", null), ("Value", "number", null));
        var id = await app.CreateRecordAsync(tableId, new { Deal = "Acme", Value = 1 });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);

        await grid.BeginEditAsync(id, "Deal");
        await grid.Editor.Locator("input").FillAsync("Typing…");
        (await app.Api.PatchAsJsonAsync($"/api/tables/{tableId}/records/{id}", new { values = new { Value = 2 } })).EnsureSuccessStatusCode();

        await Expect(grid.Cell(id, "Value")).ToHaveTextAsync("2", new() { Timeout = 5000 });
        await Expect(grid.Editor.Locator("input")).ToHaveValueAsync("Typing…");
        await grid.Editor.Locator("input").PressAsync("Enter");
        await Expect(grid.Cell(id, "Deal")).ToHaveTextAsync("Typing…");
    }

    [Fact]
    public async Task CsvImport_MapsColumns_ShowsProgress_AndReportsBadRows()
    {
        var (tableId, _) = await app.CreateTableAsync("Import", ("Deal", "text", null), ("Value", "number", null));
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;

        await grid.OpenImportAsync();
        var csv = "deal,value,extra\r\nAcme,100,x\r\n\"Globex, Inc\",lots,y\r\nInitech,300,z\r\n";
        await page.Locator("#csv-file").SetInputFilesAsync(new FilePayload { Name = "deals.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await Expect(page.Locator("#csv-row-count")).ToContainTextAsync("3 rows");

        // All or nothing (the default) writes nothing and lists the bad row.
        await page.ClickAsync("#import-start");
        await Expect(page.Locator("#import-result")).ToContainTextAsync("Nothing was imported");
        await Expect(page.Locator("#import-errors")).ToContainTextAsync("Value");
        await page.ClickAsync("#import-close");
        await grid.ExpectCountAsync(0);

        // Skipping bad rows imports the rest, with the progress bar run to the end.
        await grid.OpenImportAsync();
        await page.Locator("#csv-file").SetInputFilesAsync(new FilePayload { Name = "deals.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await page.Locator("#mode-skip").ClickAsync();
        await page.ClickAsync("#import-start");
        await Expect(page.Locator("#import-progress")).ToHaveAttributeAsync("data-progress", "100");
        await Expect(page.Locator("#import-result")).ToContainTextAsync("Imported 2 records; skipped 1 bad row.");
        await page.ClickAsync("#import-close");
        await grid.ExpectCountAsync(2);
        await Expect(grid.Row("Initech")).ToBeVisibleAsync();
    }

    /// <summary>
    /// The import by keyboard alone: the dialog takes the keyboard on "Choose a CSV file" (a label, which Enter opens
    /// like a button), and when all or nothing refuses the file, the keyboard is on the button that imports the rest
    /// without picking the file again; then on Close, and Escape closes the dialog.
    /// </summary>
    [Fact]
    public async Task CsvImport_ByKeyboardAlone_AndSkippingBadRowsWithoutPickingTheFileAgain()
    {
        var (tableId, _) = await app.CreateTableAsync("Import by keys", ("Deal", "text", null), ("Value", "number", null));
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;
        var keys = page.Keyboard;
        // Listening for the file chooser from the start: Playwright turns on its interception when the first listener
        // is added, and a chooser opened before that is not reported (RunAndWaitForFileChooserAsync lost it under load).
        var chosen = new TaskCompletionSource<IFileChooser>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.FileChooser += (_, chooser) => chosen.TrySetResult(chooser);

        await page.Locator("#import-csv").FocusAsync();
        await keys.PressAsync("Enter");
        await Expect(page.Locator("#csv-picker[data-ready='true']")).ToBeVisibleAsync();
        await Expect(page.Locator("#csv-choose")).ToBeFocusedAsync();
        await keys.PressAsync("Enter");
        var chooser = await chosen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var csv = "deal,value\r\nAcme,100\r\nGlobex,lots\r\nInitech,300\r\n";
        await chooser.SetFilesAsync(new FilePayload { Name = "deals.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await Expect(page.Locator("#csv-row-count")).ToContainTextAsync("3 rows");

        await page.Locator("#import-start").FocusAsync();
        await keys.PressAsync("Enter");
        await Expect(page.Locator("#import-result")).ToContainTextAsync("Nothing was imported");
        await Expect(page.Locator("#import-skip-bad")).ToBeFocusedAsync();
        await UiActions.ShotAsync(page, "csv-import-refused");
        await keys.PressAsync("Enter");
        await Expect(page.Locator("#import-result")).ToContainTextAsync("Imported 2 records; skipped 1 bad row.");
        await Expect(page.Locator("#import-close")).ToBeFocusedAsync();
        await keys.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        await grid.ExpectCountAsync(2);
    }

    [Fact]
    public async Task Export_DownloadsTheFilteredSortedView_AsCsv()
    {
        var (tableId, _) = await app.CreateTableAsync("Export", ("Deal", "text", null), ("Value", "number", null));
        await app.CreateRecordAsync(tableId, new { Deal = "Zeta, Ltd", Value = 10 });
        await app.CreateRecordAsync(tableId, new { Deal = "Alpha", Value = 20 });
        await app.CreateRecordAsync(tableId, new { Deal = "Beta", Value = 30 });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;

        await page.Locator("input#grid-search").FillAsync("a");
        await grid.ExpectCountAsync(3);
        await grid.Header("Deal").Locator(".field-header-name").ClickAsync();
        await Expect(grid.Grid.Locator("tbody tr").First).ToContainTextAsync("Alpha");
        await page.Locator("input#grid-search").FillAsync("ta");
        await grid.ExpectCountAsync(2);

        // The link carries the grid's view to the export route, downloaded with the browser's sign-in.
        await Expect(page.Locator("#export-csv")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("search=ta"));
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-csv"));
        Assert.StartsWith("Export-", download.SuggestedFilename);
        Assert.EndsWith(".csv", download.SuggestedFilename);
        var bytes = await File.ReadAllBytesAsync(await download.PathAsync());
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        Assert.Equal("Deal,Value\nBeta,30\n\"Zeta, Ltd\",10\n", System.Text.Encoding.UTF8.GetString(bytes.AsSpan(3)));
    }

    [Fact]
    public async Task Export_WithTheKeyboardOnly_DownloadsAFileThatASpreadsheetCannotRun()
    {
        var (tableId, _) = await app.CreateTableAsync("Keyboard export", ("Deal", "text", null), ("Value", "number", null));
        await app.CreateRecordAsync(tableId, new { Deal = "=HYPERLINK(\"http://evil.example\",\"click\")", Value = -5 });
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var grid = await GridPage.OpenAsync(context, tableId);
        var page = grid.Page;

        await page.Locator("#export-csv").FocusAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.Keyboard.PressAsync("Enter"));

        var text = System.Text.Encoding.UTF8.GetString((await File.ReadAllBytesAsync(await download.PathAsync())).AsSpan(3));
        Assert.Equal("Deal,Value\n\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",-5\n", text);
    }
}
