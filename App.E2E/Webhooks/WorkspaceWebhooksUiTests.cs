using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E.Webhooks;

/// <summary>An admin sets up one webhook for the whole workspace from the navigation, leaving one table out.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WorkspaceWebhooksUiTests(BrowserFixture browser) : WebhookBrowserTest(browser, new Dictionary<string, string>())
{
    /// <summary>Set UNDB_SCREENSHOTS to a folder to keep what the test saw.</summary>
    private static async Task<string> CreateTableAsync(HttpClient api, string name)
    {
        var response = await api.PostAsJsonAsync("/api/tables", new { name, fields = new object[] { new { name = "Deal", type = "text" } } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
    }

    private static async Task CreateRecordAsync(HttpClient api, string tableId, string deal)
    {
        var response = await api.PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = deal } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AWorkspaceWebhook_CoversEveryTableButTheOneLeftOut_AndATableTabPointsToIt()
    {
        using var api = Server.CreateApiClient();
        var deals = await CreateTableAsync(api, "Deals");
        var internalTable = await CreateTableAsync(api, "Internal");
        await using var context = await Browser.NewContextAsync(Server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        await UiActions.WaitForCircuitAsync(page);

        await page.ClickAsync("#nav-workspace-webhooks");
        await Expect(page.Locator("#webhooks-empty")).ToContainTextAsync("of any table");
        await page.ClickAsync("#webhook-create-first");
        await page.FillAsync("#webhook-name input, input#webhook-name", "Everything");
        await page.FillAsync("#webhook-url input, input#webhook-url", Receiver.Url);
        // Its condition may test system fields only: no "only when these fields change".
        await page.ClickAsync("#webhook-condition-panel .mud-expand-panel-header");
        await Expect(page.Locator("#condition-system-help")).ToContainTextAsync("changedBy");
        Assert.Equal(0, await page.Locator("#condition-changed-fields").CountAsync());
        await page.ClickAsync("#condition-add");
        await Expect(page.Locator("[data-testid=condition-row] .condition-field input:not([type=hidden])").First).ToBeFocusedAsync(); // the keyboard is in the new row
        await UiActions.ShotAsync(page, "workspace-webhook-condition");
        await page.ClickAsync(".condition-remove");

        // Leave "Internal" out with the keyboard; Escape closes the list, not the dialog.
        var excluded = page.GetByRole(AriaRole.Combobox, new() { Name = "Leave out tables" });
        await excluded.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Option, new() { Name = "Internal" })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#webhook-form")).ToBeVisibleAsync();
        await UiActions.ShotAsync(page, "workspace-webhook-dialog");
        await Expect(excluded).ToHaveValueAsync("Internal");
        await Expect(page.GetByRole(AriaRole.Option, new() { Name = "Internal" })).ToBeHiddenAsync();
        await page.ClickAsync("#webhook-save");

        var card = page.Locator("[data-testid=webhook-card]");
        await Expect(card.Locator("[data-testid=webhook-name]")).ToHaveTextAsync("Everything");
        await Expect(card.Locator("[data-testid=webhook-scope]")).ToHaveTextAsync("Every table except Internal");
        var webhookId = await card.GetAttributeAsync("data-webhook-id");
        await UiActions.ShotAsync(page, "workspace-webhooks-page");

        // A table created after the webhook is covered too; the one left out is not.
        var later = await CreateTableAsync(api, "Later");
        await CreateRecordAsync(api, internalTable, "Secret");
        await CreateRecordAsync(api, deals, "Acme");
        await CreateRecordAsync(api, later, "Initech");
        var bodies = await Receiver.WaitForCountAsync(2);
        var tables = bodies.Select(b => JsonNode.Parse(b)!["event"]!["tableId"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(new[] { deals, later }.Order().ToList(), tables);
        // Every delivery row is written with its change: the excluded table's record made none.
        var history = await api.GetFromJsonAsync<JsonObject>($"/api/webhooks/{webhookId}/deliveries");
        Assert.Equal(2, history!["total"]!.GetValue<int>());

        // A covered table's Webhooks tab says the workspace webhook also gets its changes, and links to it.
        await page.GotoAsync($"/tables/{deals}");
        await UiActions.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Webhooks", Exact = true }).ClickAsync();
        await Expect(page.Locator("#webhooks-workspace-note")).ToContainTextAsync("1 workspace webhook");
        await page.Locator("#webhooks-workspace-note a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/webhooks$"));

        // Its history's back button returns to the workspace page.
        await card.Locator("[data-testid=webhook-history]").ClickAsync();
        await Expect(page.Locator("#deliveries-title")).ToHaveTextAsync("Everything");
        await page.ClickAsync("#deliveries-back");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/webhooks$"));
    }

    [Fact]
    public async Task AWebhookTurnedOff_RingsTheBell_WhichLeadsToItsHistory_AndTheOrderedAndRateSettingsShowOnItsCard()
    {
        using var api = Server.CreateApiClient();
        var deals = await CreateTableAsync(api, "Deals");
        await using var context = await Browser.NewContextAsync(Server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        await page.GotoAsync($"/tables/{deals}");
        await UiActions.WaitForCircuitAsync(page);

        // Create a webhook with the keyboard-reachable Delivery settings.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Webhooks", Exact = true }).ClickAsync();
        await page.ClickAsync("#webhook-create-first");
        await page.FillAsync("#webhook-name input, input#webhook-name", "CRM");
        await page.FillAsync("#webhook-url input, input#webhook-url", Receiver.Url);
        await page.ClickAsync("#webhook-delivery-panel .mud-expand-panel-header");
        await page.Locator("#webhook-ordered input, input#webhook-ordered").CheckAsync();
        await page.FillAsync("#webhook-max-per-second input, input#webhook-max-per-second", "5");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#webhook-delivery-panel")).ToContainTextAsync("Delivery: ordered, at most 5/s");
        await UiActions.ShotAsync(page, "webhook-delivery-panel");
        await page.ClickAsync("#webhook-save");
        var card = page.Locator("[data-testid=webhook-card]");
        await Expect(card.Locator("[data-testid=webhook-ordered]")).ToBeVisibleAsync();
        await Expect(card.Locator("[data-testid=webhook-rate]")).ToHaveTextAsync("≤ 5/s");

        // The receiver is gone for good: the engine turns the webhook off, and the bell says so at once.
        await Expect(page.Locator("#alerts-bell button")).ToHaveAttributeAsync("aria-label", "Notifications");
        Receiver.StatusCode = 410;
        await CreateRecordAsync(api, deals, "Acme");
        await Expect(page.Locator("#alerts-bell button")).ToHaveAttributeAsync("aria-label", "Notifications, 1 new");
        await Expect(card.Locator("[data-testid=webhook-badge]")).ToHaveTextAsync("Disabled");
        // The app bar's icon buttons are named for screen readers (the label sat on the menu's wrapper, not its button).
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Account", Exact = true })).ToBeVisibleAsync();
        await page.Locator("#alerts-bell button").ClickAsync();
        var item = page.Locator(".alert-item").First;
        await Expect(item).ToContainTextAsync("CRM was turned off");
        await Expect(item).ToContainTextAsync("410");
        await UiActions.ShotAsync(page, "alerts-bell-open");
        await Expect(page.Locator("#alerts-bell button")).ToHaveAttributeAsync("aria-label", "Notifications");
        await item.ClickAsync();
        await Expect(page.Locator("#deliveries-title")).ToHaveTextAsync("CRM");
    }
}
