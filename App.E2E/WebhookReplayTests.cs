using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E;

/// <summary>Deliveries that ran out of retries are replayed from the history page after a confirmation that says how many.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WebhookReplayTests(BrowserFixture browser) : WebhookBrowserTest(browser, new Dictionary<string, string>
{
    // One immediate retry, then the delivery is given up on: "failed" within a sweep or two instead of days.
    ["Webhooks:RetrySchedule:0"] = "00:00:00",
    ["Webhooks:SweepInterval"] = "00:00:01",
})
{
    [Fact]
    public async Task ReplayFailedSince_ConfirmsTheCount_ThenTheDeliveriesSucceed()
    {
        using var api = Server.CreateApiClient();
        var table = await api.PostAsJsonAsync("/api/tables", new { name = "Orders", fields = new object[] { new { name = "Order", type = "text" } } });
        var tableId = JsonNode.Parse(await table.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        var webhook = await api.PostAsJsonAsync($"/api/tables/{tableId}/webhooks", new { name = "Fulfilment", url = Receiver.Url, events = new[] { "record.created" } });
        var webhookId = JsonNode.Parse(await webhook.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        Receiver.StatusCode = 503;
        foreach (var order in new[] { "A-1", "A-2" })
        {
            var created = await api.PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Order = order } });
            Assert.True(created.IsSuccessStatusCode);
        }

        await using var context = await Browser.NewContextAsync(Server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        await page.GotoAsync($"/webhooks/{webhookId}/deliveries");
        await UiActions.WaitForCircuitAsync(page);
        var statuses = page.Locator("#deliveries-grid [data-testid=delivery-status]");
        await Expect(statuses).ToHaveTextAsync(["failed", "failed"], new() { Timeout = 30_000 });

        // Filtering by status asks the server.
        await page.Locator("#deliveries-filter-status").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "succeeded" }).ClickAsync();
        await Expect(page.Locator("#deliveries-empty")).ToContainTextAsync("No deliveries match these filters.");
        await page.Keyboard.PressAsync("Escape");

        await page.ClickAsync("#deliveries-replay");
        await Expect(page.Locator("#replay-count")).ToContainTextAsync("2 failed deliveries will be sent again.");
        Receiver.StatusCode = 200;
        await page.ClickAsync("#replay-confirm");

        // The "succeeded" filter is still on: the replayed deliveries appear in it live.
        await Expect(statuses).ToHaveTextAsync(["succeeded", "succeeded"]);
    }
}
