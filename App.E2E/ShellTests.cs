using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E;

/// <summary>Issue #17: the app's own "not found" page with status 404, and times in the viewer's time zone.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ShellTests(BrowserFixture browser, SharedServer app) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task AnUnknownPageOrTable_LoadedDirectly_GetsTheStyledNotFoundPage_WithStatus404()
    {
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);

        foreach (var url in new[] { "/no/such/page", "/tables/tbl_doesnotexist" })
        {
            var response = await page.GotoAsync(url);
            Assert.Equal(404, response!.Status);
            await Expect(page.GetByText("Nothing here")).ToBeVisibleAsync();
            await Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Back to your tables" })).ToBeVisibleAsync();
            // The app's layout, not a bare page.
            await Expect(page.Locator(".mud-appbar")).ToBeVisibleAsync();
        }

        // The API keeps its own answers.
        using var api = await app.Api.GetAsync("/api/tables/tbl_doesnotexist");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>
    /// A phone's 390 px: a new-user run found a webhook card's text squeezed into a narrow column beside its actions
    /// (every word on its own line, the badge cut to its icon), the incoming card's Regenerate button cut off at the
    /// card's edge, the API token form wider than the page (its name field a letter wide), the filter bar's row and the
    /// incoming strip's URL wider than the screen, the 480 px record drawer running off the screen's left edge, and the
    /// CSV import's mapping table pushing the field to map each column to past the dialog's edge.
    /// </summary>
    [Fact]
    public async Task OnAPhone_TheRecordsTab_TheWebhookCards_AndTheTokenForm_FitTheScreen()
    {
        var (tableId, _) = await app.CreateTableAsync("Phone", ("Deal", "text", null));
        (await app.Api.PostAsJsonAsync($"/api/tables/{tableId}/webhooks", new { name = "CRM sync", url = "https://example.com/hooks/crm", events = new[] { "record.created" } })).EnsureSuccessStatusCode();
        (await app.Api.PostAsJsonAsync($"/api/tables/{tableId}/incoming-webhooks", new { name = "Website form", mapping = new { fields = new { Deal = "$.deal" } } })).EnsureSuccessStatusCode();
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl, viewport: new() { Width = 390, Height = 844 });
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        static Task<bool> FitsThePage(Microsoft.Playwright.IPage page) =>
            page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth");

        await page.GotoAsync($"/tables/{tableId}");
        await UiActions.WaitForCircuitAsync(page);
        // The records tab, its incoming strip (a long URL), the filter bar and a record's drawer stay on the screen.
        await app.CreateRecordAsync(tableId, new { Deal = "Acme" });
        await page.ClickAsync("#toggle-filters");
        await Expect(page.Locator(".filter-field").First).ToBeVisibleAsync();
        await UiActions.ShotAsync(page, "phone-records-filter");
        Assert.True(await FitsThePage(page), "the records tab with the filter bar fits the page");
        // Nor is anything inside the page wider than the screen, or wider than its box (the main area scrolled sideways
        // instead, so where an element ends on the screen depends on that scroll; its widths do not).
        foreach (var selector in new[] { ".filter-row", ".incoming-strip-url" })
        {
            var sizes = await page.Locator(selector).First.EvaluateAsync<double[]>("e => [e.getBoundingClientRect().width, e.scrollWidth - e.clientWidth]");
            var (width, overflows) = (sizes[0], sizes[1] > 1);
            Assert.True(width <= 390 && !overflows, $"{selector}: {width} px wide, its content {sizes[1]} px wider than that; the screen is 390");
        }
        await page.Locator(".open-record").First.ClickAsync();
        var drawer = page.Locator("#record-drawer");
        await Expect(drawer.GetByRole(Microsoft.Playwright.AriaRole.Tab, new() { Name = "History" })).ToBeVisibleAsync();
        // Once it has slid in, the drawer lies on the screen (it was 480 px wide, its left part off the screen).
        await page.WaitForFunctionAsync("() => { const r = document.querySelector('#record-drawer').getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth; }");
        await UiActions.ShotAsync(page, "phone-record-drawer");
        await page.Keyboard.PressAsync("Escape");
        await Expect(drawer.GetByRole(Microsoft.Playwright.AriaRole.Tab, new() { Name = "History" })).ToBeHiddenAsync();

        // CSV import: the field each column goes to is in view, not cut off at the dialog's right edge. Opened as the grid
        // tests open it, waiting until its file input is wired up (a file set before that is missed: a CI run did).
        await new Grid.GridPage(page).OpenImportAsync();
        await page.Locator("#csv-file").SetInputFilesAsync(new Microsoft.Playwright.FilePayload
        {
            Name = "deals.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes("Deal,Notes\nGlobex,a first value long enough to push the next column off a phone's screen\n"),
        });
        var mapping = page.Locator("#csv-mapping");
        await Expect(mapping.Locator(".csv-map").First).ToBeVisibleAsync();
        await UiActions.ShotAsync(page, "phone-csv-import");
        var wider = await mapping.EvaluateAsync<double>("e => { const c = e.querySelector('.mud-table-container') ?? e; return c.scrollWidth - c.clientWidth; }");
        Assert.True(wider <= 1, $"the mapping table is {wider} px wider than the dialog");
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        await page.GetByRole(Microsoft.Playwright.AriaRole.Tab, new() { Name = "Webhooks", Exact = true }).ClickAsync();
        var url = page.Locator("[data-testid=webhook-card] [data-testid=webhook-url]");
        await Expect(url).ToBeVisibleAsync();
        await UiActions.ShotAsync(page, "phone-webhook-card");
        Assert.True((await url.BoundingBoxAsync())!.Width >= 250, "the card's text has most of the card's width");
        Assert.True(await FitsThePage(page), "the webhooks tab fits the page");

        await page.GetByRole(Microsoft.Playwright.AriaRole.Tab, new() { Name = "Incoming webhooks", Exact = true }).ClickAsync();
        var regenerate = page.Locator(".incoming-regenerate");
        await Expect(regenerate).ToBeVisibleAsync();
        await UiActions.ShotAsync(page, "phone-incoming-card");
        var card = (await page.Locator(".mud-card").Filter(new() { Has = regenerate }).BoundingBoxAsync())!;
        var button = (await regenerate.BoundingBoxAsync())!;
        Assert.True(button.X + button.Width <= card.X + card.Width, "Regenerate lies inside its card");
        Assert.True(await regenerate.EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth"), "Regenerate's label fits its button");

        await page.GotoAsync("/settings");
        await UiActions.WaitForCircuitAsync(page);
        await Expect(page.Locator("#create-token")).ToBeVisibleAsync();
        await UiActions.ShotAsync(page, "phone-settings");
        Assert.True(await FitsThePage(page), "the token form fits the page");
        Assert.True((await page.Locator("#token-name").BoundingBoxAsync())!.Width >= 200, "the token name has room to type in");
    }

    [Fact]
    public async Task Times_AreShownInTheViewersTimeZone_WithUtcInTheTooltip()
    {
        var (tableId, _) = await app.CreateTableAsync("Zones", ("Deal", "text", null), ("Meeting", "date", null));
        var id = await app.CreateRecordAsync(tableId, new { Deal = "Acme", Meeting = "2026-11-22T15:35:20Z" });
        var record = (await app.Api.GetFromJsonAsync<JsonObject>($"/api/tables/{tableId}/records/{id}"))!;
        var created = DateTimeOffset.Parse(record["createdAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        string Local(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, tokyo).ToString("d MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture);
        string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("d MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

        await using var context = await browser.NewContextAsync(app.Server.BaseUrl, timeZone: "Asia/Tokyo");
        var grid = await Grid.GridPage.OpenAsync(context, tableId);

        // A date-and-time value in the grid: 15:35 UTC is 00:35 the next day in Tokyo.
        var meeting = grid.Cell(id, "Meeting").Locator(".local-time");
        await Expect(meeting).ToHaveTextAsync("23 Nov 2026 00:35:20");
        await Expect(meeting).ToHaveAttributeAsync("title", "22 Nov 2026 15:35:20 UTC");

        // The record's system times in the drawer.
        await grid.OpenRecordAsync(id);
        var createdAt = grid.Page.Locator("[data-system='created'] .local-time");
        await Expect(createdAt).ToHaveTextAsync(Local(created));
        await Expect(createdAt).ToHaveAttributeAsync("title", Utc(created));
    }
}
