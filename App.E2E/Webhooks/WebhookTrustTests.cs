using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E.Webhooks;

/// <summary>
/// Issue 17, items 3, 5 and 6: pausing a webhook holds its events, renaming a field keeps an open webhook page
/// working, and deleting a field used by a webhook says so first and leaves a visible, fixable problem.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WebhookTrustTests(BrowserFixture browser) : WebhookBrowserTest(browser, new Dictionary<string, string>
{
    // One request at a time per webhook, so the order the receiver sees is the order the deliveries were started in.
    ["Webhooks:MaxConcurrencyPerWebhook"] = "1",
})
{
    private static async Task<JsonObject> SendAsync(HttpClient api, HttpMethod method, string url, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        var response = await api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {url} answered {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject();
    }

    private static async Task<(string TableId, JsonArray Fields)> CreateDealsAsync(HttpClient api)
    {
        var table = await SendAsync(api, HttpMethod.Post, "/api/tables", new
        {
            name = $"Deals {Guid.NewGuid().ToString("N")[..6]}",
            fields = new object[]
            {
                new { name = "Deal", type = "text" },
                new { name = "Stage", type = "singleSelect", options = new { choices = new[] { "Lead", "Won" } } },
                new { name = "Value", type = "number" },
            },
        });
        return (table["id"]!.GetValue<string>(), table["fields"]!.AsArray());
    }

    private static string FieldId(JsonArray fields, string name) => fields.Single(f => f!["name"]!.GetValue<string>() == name)!["id"]!.GetValue<string>();

    private async Task<IPage> OpenTableAsync(IBrowserContext context, string tableId, string tab)
    {
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        await page.GotoAsync($"/tables/{tableId}");
        await UiActions.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Tab, new() { Name = tab, Exact = true }).ClickAsync();
        return page;
    }

    private static HttpRequestMessage Hook(string url, string key, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", key);
        return request;
    }

    private static string DealOf(string body) => JsonNode.Parse(body)!["event"]!["record"]!["Deal"]!.GetValue<string>();

    [Fact]
    public async Task PausedWebhook_HoldsChanges_ResumeSendsThemInCommitOrder_OrDiscardsThem()
    {
        using var api = Server.CreateApiClient();
        var (tableId, _) = await CreateDealsAsync(api);
        var webhook = await SendAsync(api, HttpMethod.Post, $"/api/tables/{tableId}/webhooks",
            new { name = "CRM", url = Receiver.Url, events = new[] { "record.created" } });
        var webhookId = webhook["id"]!.GetValue<string>();
        await using var context = await Browser.NewContextAsync(Server.BaseUrl);
        var page = await OpenTableAsync(context, tableId, "Webhooks");
        var card = page.Locator("[data-testid=webhook-card]");
        var toggle = card.GetByRole(AriaRole.Switch);

        await Expect(card).ToHaveCountAsync(1);
        // Pause: the toast says what happens to changes from now on.
        await toggle.ClickAsync();
        await Expect(card.Locator("[data-testid=webhook-badge]")).ToHaveTextAsync("Paused");
        await Expect(page.Locator(".mud-snackbar").Last).ToContainTextAsync("held");

        // Changes made while paused are held (live on the card), not sent and not dropped.
        foreach (var deal in new[] { "Acme", "Globex", "Initech" })
        {
            await SendAsync(api, HttpMethod.Post, $"/api/tables/{tableId}/records", new { values = new { Deal = deal } });
        }
        await Expect(card.Locator("[data-testid=webhook-held]")).ToHaveTextAsync("3 held");
        Assert.Equal(3, (await SendAsync(api, HttpMethod.Get, $"/api/webhooks/{webhookId}"))["stats"]!["held"]!.GetValue<int>());
        Assert.Equal(3, (await SendAsync(api, HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries?status=held"))["total"]!.GetValue<int>());
        Assert.Empty(Receiver.Bodies);

        // Resume asks what to do with them. Cancel calls it off: still paused, and the switch says so.
        await toggle.ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send 3 held" })).ToHaveCountAsync(0);
        await Expect(toggle).Not.ToBeCheckedAsync();
        await Expect(card.Locator("[data-testid=webhook-badge]")).ToHaveTextAsync("Paused");

        // Sending delivers them oldest first.
        await toggle.ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Send 3 held" }).ClickAsync();
        await Expect(card.Locator("[data-testid=webhook-held]")).ToHaveCountAsync(0);
        await Expect(card.Locator("[data-testid=webhook-badge]")).ToHaveCountAsync(0);
        var bodies = await Receiver.WaitForCountAsync(3);
        Assert.Equal(new[] { "Acme", "Globex", "Initech" }, bodies.Select(DealOf));

        // Pause again; this time resume and discard: nothing is sent, and the history shows it cancelled.
        await toggle.ClickAsync();
        await Expect(card.Locator("[data-testid=webhook-badge]")).ToHaveTextAsync("Paused");
        var umbrella = (await SendAsync(api, HttpMethod.Post, $"/api/tables/{tableId}/records", new { values = new { Deal = "Umbrella" } }))["id"]!.GetValue<string>();
        await Expect(card.Locator("[data-testid=webhook-held]")).ToHaveTextAsync("1 held");
        await toggle.ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Discard held" }).ClickAsync();
        await Expect(card.Locator("[data-testid=webhook-held]")).ToHaveCountAsync(0);
        await Expect(toggle).ToBeCheckedAsync();

        await card.Locator("[data-testid=webhook-history]").ClickAsync();
        var row = page.Locator("#deliveries-grid tr.delivery-row").Filter(new() { Has = page.Locator($"[data-testid=delivery-record]:has-text('{umbrella}')") });
        await Expect(row.Locator("[data-testid=delivery-status]")).ToHaveTextAsync("cancelled");
        // The history names the record by its primary field, not only by id.
        await Expect(row.Locator("[data-testid=delivery-record-label]")).ToHaveTextAsync("Umbrella");
        Assert.Equal(3, Receiver.Bodies.Count);
    }

    [Fact]
    public async Task RenamingAField_WhileTheWebhookPagesAreOpen_EditShowsTheNewName_AndSaves()
    {
        using var api = Server.CreateApiClient();
        var (tableId, fields) = await CreateDealsAsync(api);
        var stageId = FieldId(fields, "Stage");
        await SendAsync(api, HttpMethod.Post, $"/api/tables/{tableId}/webhooks", new
        {
            name = "Won deals", url = Receiver.Url, events = new[] { "record.created", "record.updated" },
            condition = new { conjunction = "and", filters = new[] { new { field = "Stage", @operator = "is", value = "Won" } }, changedFields = new[] { "Stage" } },
        });
        var incoming = await SendAsync(api, HttpMethod.Post, $"/api/tables/{tableId}/incoming-webhooks",
            new { name = "CRM", mapping = new { fields = new { Deal = "$.deal", Stage = "$.stage" } } });
        await using var context = await Browser.NewContextAsync(Server.BaseUrl);
        var page = await OpenTableAsync(context, tableId, "Webhooks");
        var card = page.Locator("[data-testid=webhook-card]");
        await Expect(card).ToHaveCountAsync(1);

        // Someone renames the field while this page is open.
        await SendAsync(api, HttpMethod.Patch, $"/api/tables/{tableId}/fields/{stageId}", new { name = "Phase" });
        await card.Locator("[data-testid=webhook-edit]").ClickAsync();
        var fieldInput = page.Locator(".condition-row .condition-field input");
        await Expect(fieldInput).ToHaveValueAsync("Phase");

        // And again while the dialog is open: the dialog follows.
        await SendAsync(api, HttpMethod.Patch, $"/api/tables/{tableId}/fields/{stageId}", new { name = "Pipeline stage" });
        await Expect(fieldInput).ToHaveValueAsync("Pipeline stage");
        await page.ClickAsync("#webhook-save");
        await Expect(page.Locator(".mud-snackbar").Last).ToContainTextAsync("Webhook saved.");
        await Expect(page.Locator("#webhook-error")).ToHaveCountAsync(0);
        var saved = await SendAsync(api, HttpMethod.Get, $"/api/webhooks/{await card.GetAttributeAsync("data-webhook-id")}");
        Assert.Equal("Pipeline stage", saved["condition"]!["filters"]![0]!["field"]!.GetValue<string>());

        // The incoming webhook's mapping follows the renames too, and keeps working.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Incoming webhooks", Exact = true }).ClickAsync();
        await page.Locator(".incoming-edit-mapping").ClickAsync();
        await Expect(page.Locator(".mapping-field-row[data-field='Pipeline stage'] .mapping-field-select input")).ToHaveValueAsync("$.stage");
        await SendAsync(api, HttpMethod.Patch, $"/api/tables/{tableId}/fields/{stageId}", new { name = "Status" });
        await Expect(page.Locator(".mapping-field-row[data-field='Status'] .mapping-field-select input")).ToHaveValueAsync("$.stage");
        await page.ClickAsync("#mapping-save");
        await Expect(page.Locator(".mud-snackbar").Last).ToContainTextAsync("Saved 'CRM'.");

        var hook = await SendAsync(api, HttpMethod.Post, $"/api/incoming-webhooks/{incoming["id"]!.GetValue<string>()}/regenerate-key");
        using var sender = new HttpClient();
        var accepted = await sender.SendAsync(Hook(hook["url"]!.GetValue<string>(), hook["apiKey"]!.GetValue<string>(), """{ "deal": "Acme", "stage": "Won" }"""));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var recordId = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!["recordIds"]![0]!.GetValue<string>();
        var record = await SendAsync(api, HttpMethod.Get, $"/api/tables/{tableId}/records/{recordId}");
        Assert.Equal("Won", record["values"]!["Status"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeletingAFieldUsedByWebhooks_ListsThemFirst_ThenShowsAFixableProblem()
    {
        using var api = Server.CreateApiClient();
        var (tableId, _) = await CreateDealsAsync(api);
        var outbound = await SendAsync(api, HttpMethod.Post, $"/api/tables/{tableId}/webhooks", new
        {
            name = "Won deals", url = Receiver.Url, events = new[] { "record.created" },
            condition = new { filters = new[] { new { field = "Stage", @operator = "is", value = "Won" } } },
        });
        var incoming = await SendAsync(api, HttpMethod.Post, $"/api/tables/{tableId}/incoming-webhooks",
            new { name = "CRM feed", mapping = new { fields = new { Deal = "$.deal", Stage = "$.stage" } } });
        await using var context = await Browser.NewContextAsync(Server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        await page.GotoAsync($"/tables/{tableId}");
        await UiActions.WaitForCircuitAsync(page);

        // The confirmation names what uses the field before anything is deleted.
        await page.Locator("[data-field-menu='Stage'] button").ClickAsync();
        await page.Locator(".menu-delete-field").ClickAsync();
        var usages = page.Locator("#field-delete-usages");
        await Expect(usages).ToContainTextAsync("Won deals");
        await Expect(usages).ToContainTextAsync("CRM feed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete field" }).ClickAsync();
        await Expect(page.Locator("[data-field-header='Stage']")).ToHaveCountAsync(0);

        // The outbound webhook shows the problem, in the UI and the API.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Webhooks", Exact = true }).ClickAsync();
        var card = page.Locator("[data-testid=webhook-card]");
        await Expect(card.Locator("[data-testid=webhook-problem]")).ToContainTextAsync("deleted field");
        var webhookUrl = $"/api/webhooks/{outbound["id"]!.GetValue<string>()}";
        Assert.Equal("deletedField", (await SendAsync(api, HttpMethod.Get, webhookUrl))["problems"]![0]!["code"]!.GetValue<string>());

        // It stays editable: the row on the deleted field says so; removing it and saving clears the problem.
        await card.Locator("[data-testid=webhook-edit]").ClickAsync();
        await Expect(page.Locator(".condition-row")).ToContainTextAsync("deleted");
        await page.Locator(".condition-row .condition-remove").ClickAsync();
        await page.ClickAsync("#webhook-save");
        await Expect(page.Locator(".mud-snackbar").Last).ToContainTextAsync("Webhook saved.");
        await Expect(card.Locator("[data-testid=webhook-problem]")).ToHaveCountAsync(0);
        Assert.Empty((await SendAsync(api, HttpMethod.Get, webhookUrl))["problems"]!.AsArray());

        // The incoming webhook shows it too, still accepts requests, and its log says what was skipped.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Incoming webhooks", Exact = true }).ClickAsync();
        var incomingCard = page.Locator(".incoming-card");
        await Expect(incomingCard.Locator(".incoming-problem")).ToContainTextAsync("deleted field");
        var incomingUrl = $"/api/incoming-webhooks/{incoming["id"]!.GetValue<string>()}";
        Assert.Equal("deletedField", (await SendAsync(api, HttpMethod.Get, incomingUrl))["problems"]![0]!["code"]!.GetValue<string>());
        var hook = await SendAsync(api, HttpMethod.Post, $"{incomingUrl}/regenerate-key");
        using var sender = new HttpClient();
        var accepted = await sender.SendAsync(Hook(hook["url"]!.GetValue<string>(), hook["apiKey"]!.GetValue<string>(), """{ "deal": "Acme", "stage": "Won" }"""));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        await incomingCard.Locator(".incoming-view-requests").ClickAsync();
        var entry = page.Locator(".request-entry").First;
        await Expect(entry.Locator(".request-status")).ToHaveTextAsync("201");
        await Expect(entry).ToContainTextAsync("$.stage");
    }

    [Fact]
    public async Task SendTest_TheResultIsInView_WithoutScrolling()
    {
        using var api = Server.CreateApiClient();
        var (tableId, _) = await CreateDealsAsync(api);
        await SendAsync(api, HttpMethod.Post, $"/api/tables/{tableId}/webhooks", new
        {
            name = "CRM", url = Receiver.Url, events = new[] { "record.created" }, headers = new Dictionary<string, string> { ["X-Env"] = "prod", ["X-Team"] = "sales" },
            condition = new { filters = new object[] { new { field = "Stage", @operator = "is", value = "Won" }, new { field = "Value", @operator = "gt", value = 1000 } } },
        });
        await using var context = await Browser.NewContextAsync(Server.BaseUrl);
        var page = await OpenTableAsync(context, tableId, "Webhooks");
        // A laptop screen: the dialog with its headers and condition open is taller than the window.
        await page.SetViewportSizeAsync(1280, 720);
        await page.Locator("[data-testid=webhook-card] [data-testid=webhook-edit]").ClickAsync();
        await Expect(page.Locator("#webhook-form")).ToBeVisibleAsync();

        await page.ClickAsync("#webhook-send-test");

        await Expect(page.Locator("#webhook-test-status")).ToHaveTextAsync("HTTP 200");
        await Expect(page.Locator("#webhook-test-result")).ToBeInViewportAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "undb-send-test-result.png") });
    }
}
