using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E;

/// <summary>A user sets up, tests, watches and repairs an outbound webhook without leaving the browser (issue 5).</summary>
[Collection(BrowserCollection.Name)]
public sealed class WebhooksUiTests(BrowserFixture browser) : WebhookBrowserTest(browser, new Dictionary<string, string>
{
    // The first retry comes 10 minutes after a failure (not 5 s), so no scheduled retry races the test's own redeliver.
    ["Webhooks:RetrySchedule:0"] = "00:10:00",
})
{
    private async Task<string> CreateTableAsync(HttpClient api)
    {
        var response = await api.PostAsJsonAsync("/api/tables", new { name = "Deals", fields = new object[] { new { name = "Deal", type = "text" }, new { name = "Value", type = "number" } } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
    }

    private static async Task<string> CreateRecordAsync(HttpClient api, string tableId, string deal)
    {
        var response = await api.PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = deal } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
    }

    private static ILocator Row(IPage page, string recordId) =>
        page.Locator("#deliveries-grid tr.delivery-row").Filter(new() { Has = page.Locator($"[data-testid=delivery-record]:text-is('{recordId}')") });

    [Fact]
    public async Task CreateTestWatchRepairPauseAndResume_AWebhook()
    {
        using var api = Server.CreateApiClient();
        var tableId = await CreateTableAsync(api);
        await using var context = await Browser.NewContextAsync(Server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        await page.GotoAsync($"/tables/{tableId}");
        await UiActions.WaitForCircuitAsync(page);

        // The Webhooks tab starts empty with a call to action.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Webhooks", Exact = true }).ClickAsync();
        await Expect(page.Locator("#webhooks-empty")).ToBeVisibleAsync();
        await page.ClickAsync("#webhook-create-first");

        // Fill the dialog by keyboard: Tab goes from the name to the URL (a URL typed into the method's list picked a
        // method by its first letter), and the URL is checked as you type.
        await page.FillAsync("#webhook-name input, input#webhook-name", "CRM sync");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("ftp://example.com");
        await Expect(page.Locator("#webhook-url input, input#webhook-url")).ToHaveValueAsync("ftp://example.com");
        await Expect(page.GetByText("Only http and https URLs can receive webhooks, not 'ftp'.")).ToBeVisibleAsync();
        await page.FillAsync("#webhook-url input, input#webhook-url", Receiver.Url);
        await Expect(page.GetByText("Only http and https URLs can receive webhooks, not 'ftp'.")).ToBeHiddenAsync();

        // Send a test before saving and read the receiver's answer inline.
        await page.ClickAsync("#webhook-send-test");
        await Expect(page.Locator("#webhook-test-status")).ToHaveTextAsync("HTTP 200");
        await Expect(page.Locator("#webhook-test-body")).ToContainTextAsync("\"received\": true");
        // Disabled while it sent, the button has the keyboard again (it had fallen to the page).
        await Expect(page.Locator("#webhook-send-test")).ToBeFocusedAsync();
        await page.ClickAsync("#webhook-save");

        var card = page.Locator("[data-testid=webhook-card]");
        await Expect(card).ToHaveCountAsync(1);
        await Expect(card.Locator("[data-testid=webhook-name]")).ToHaveTextAsync("CRM sync");
        await Expect(card.GetByText("POST", new() { Exact = true })).ToBeVisibleAsync(); // the URL typed did not change the method
        await Expect(card.Locator("[data-testid=webhook-event]")).ToHaveCountAsync(3);
        var webhookId = await card.GetAttributeAsync("data-webhook-id");

        // A record created through the API is delivered; the history shows it succeed.
        var first = await CreateRecordAsync(api, tableId, "Acme");
        await card.Locator("[data-testid=webhook-history]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/webhooks/{webhookId}/deliveries"));
        await Expect(page.Locator("#deliveries-title")).ToHaveTextAsync("CRM sync");
        var firstRow = Row(page, first);
        await Expect(firstRow.Locator("[data-testid=delivery-status]")).ToHaveTextAsync("succeeded");
        await Expect(firstRow.Locator("[data-testid=delivery-event]")).ToHaveTextAsync("record.created");
        await Expect(firstRow.Locator("[data-testid=delivery-code]")).ToHaveTextAsync("200");

        // Its detail shows the request sent and the response received.
        await firstRow.Locator("td").First.ClickAsync();
        var detail = page.Locator("#delivery-detail");
        await Expect(detail.Locator("[data-testid=attempt-response-status]").First).ToHaveTextAsync("HTTP 200");
        await Expect(detail.Locator("[data-testid=attempt-request-body]").First).ToContainTextAsync(first);
        await Expect(detail.Locator("[data-testid=attempt-request-headers]").First).ToContainTextAsync("webhook-signature");
        await page.ClickAsync("#delivery-detail-close");

        // The receiver goes down: the next delivery fails and a retry is scheduled, live in the open history.
        Receiver.StatusCode = 500;
        var second = await CreateRecordAsync(api, tableId, "Globex");
        var secondRow = Row(page, second);
        await Expect(secondRow.Locator("[data-testid=delivery-status]")).ToHaveTextAsync("pending");
        await Expect(secondRow.Locator("[data-testid=delivery-code]")).ToHaveTextAsync("500");
        // A time (in the viewer's zone; the tooltip holds it in UTC), not "—".
        await Expect(secondRow.Locator("[data-testid=delivery-next]")).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex(@"^\d{1,2} \w{3} \d{4} \d{2}:\d{2}:\d{2} UTC$"));

        // The receiver is back: redeliver from the detail drawer.
        Receiver.StatusCode = 200;
        await secondRow.Locator("td").First.ClickAsync();
        await Expect(page.Locator("#delivery-detail")).ToHaveAttributeAsync("data-delivery-id", new System.Text.RegularExpressions.Regex("^dlv_"));
        await Expect(detail.Locator("[data-testid=attempt-title-status]")).ToHaveTextAsync(["500"]);
        await page.ClickAsync("#delivery-redeliver");
        await Expect(page.Locator("#delivery-detail-status")).ToHaveTextAsync("succeeded");
        await Expect(detail.Locator("[data-testid=attempt-title-status]")).ToHaveTextAsync(["200", "500"]);
        await page.ClickAsync("#delivery-detail-close");
        await Expect(secondRow.Locator("[data-testid=delivery-status]")).ToHaveTextAsync("succeeded");

        // Pause and resume from the table page.
        await page.ClickAsync("#deliveries-back");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Webhooks", Exact = true }).ClickAsync();
        var toggle = card.GetByRole(AriaRole.Switch);
        await Expect(toggle).ToBeCheckedAsync();
        await toggle.ClickAsync();
        await Expect(card.Locator("[data-testid=webhook-badge]")).ToHaveTextAsync("Paused");
        await Expect(toggle).Not.ToBeCheckedAsync();
        Assert.False((await api.GetFromJsonAsync<JsonObject>($"/api/webhooks/{webhookId}"))!["enabled"]!.GetValue<bool>());
        await toggle.ClickAsync();
        await Expect(card.Locator("[data-testid=webhook-badge]")).ToHaveCountAsync(0);
        await Expect(toggle).ToBeCheckedAsync();
        Assert.True((await api.GetFromJsonAsync<JsonObject>($"/api/webhooks/{webhookId}"))!["enabled"]!.GetValue<bool>());

        // The health line has caught up with what happened.
        await Expect(card.Locator("[data-testid=webhook-last-status]")).ToContainTextAsync("succeeded");
        await Expect(card.Locator("[data-testid=webhook-success-rate]")).ToContainTextAsync("of 3 requests succeeded");
    }
}
