using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E.Webhooks;

/// <summary>A receiver's credentials in a custom header: never on screen unless asked for, refused when they cannot be sent.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WebhookHeadersUiTests(BrowserFixture browser) : WebhookBrowserTest(browser, new Dictionary<string, string>())
{
    private const string Token = "Bearer s3cret-e2e-token";

    /// <summary>Set UNDB_SCREENSHOTS to a folder to keep what the test saw.</summary>
    [Fact]
    public async Task EditingAWebhook_WithTheKeyboard_ValuesStayMaskedUntilRevealed_AndBadValuesAreRefused()
    {
        using var api = Server.CreateApiClient();
        var table = await api.PostAsJsonAsync("/api/tables", new { name = "Deals", fields = new object[] { new { name = "Deal", type = "text" } } });
        var tableId = JsonNode.Parse(await table.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        var created = await api.PostAsJsonAsync($"/api/tables/{tableId}/webhooks", new
        {
            name = "CRM", url = Receiver.Url, events = new[] { "record.created" },
            headers = new Dictionary<string, string> { ["Authorization"] = Token, ["X-Env"] = "prod" },
        });
        var webhookId = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await using var context = await Browser.NewContextAsync(Server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        await page.GotoAsync($"/tables/{tableId}");
        await UiActions.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Webhooks", Exact = true }).ClickAsync();
        await page.Locator("[data-testid=webhook-edit]").ClickAsync();

        // Both values arrive masked; the token is nowhere in the page.
        var values = page.Locator(".header-value input");
        await Expect(values).ToHaveCountAsync(2);
        await Expect(values.Nth(0)).ToHaveValueAsync("********");
        await Expect(values.Nth(1)).ToHaveValueAsync("********");
        await Expect(page.Locator("#header-values-note")).ToBeVisibleAsync();
        Assert.DoesNotContain("s3cret", await page.ContentAsync());
        await UiActions.ShotAsync(page, "1-masked");

        // Reveal one from the keyboard: focus its button, press Enter.
        await page.Locator("[aria-label='Reveal value of Authorization']").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(values.Nth(0)).ToHaveValueAsync(Token);
        await Expect(values.Nth(1)).ToHaveValueAsync("********");
        await UiActions.ShotAsync(page, "2-revealed");

        // A value with an accent is refused at its row, and nothing is saved.
        // Enter on "Add header" puts the keyboard in the new row's name, so typing on goes there.
        await page.Locator("#header-add").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".header-name input").Nth(2)).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("X-Name");
        await Expect(page.Locator(".header-name input").Nth(2)).ToHaveValueAsync("X-Name");
        await page.Locator(".header-value input").Nth(2).FillAsync("café");
        await page.Locator(".header-value input").Nth(2).PressAsync("Enter");
        await Expect(page.Locator("[data-testid=header-row]").Nth(2)).ToContainTextAsync("not plain ASCII");
        await UiActions.ShotAsync(page, "3-refused");

        // Escape asks before it throws the edits away; Discard leaves without saving anything.
        await page.Keyboard.PressAsync("Escape");
        var confirm = page.GetByRole(AriaRole.Dialog).Filter(new() { HasText = "Discard your changes?" });
        await Expect(confirm).ToBeVisibleAsync();
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Discard" }).ClickAsync();
        await Expect(page.Locator("#webhook-form")).ToHaveCountAsync(0);
        var saved = (await api.GetFromJsonAsync<JsonObject>($"/api/webhooks/{webhookId}/headers"))!["headers"]!.AsObject();
        Assert.Equal(2, saved.Count);
        Assert.Equal(Token, saved["Authorization"]!.GetValue<string>());

        // The test send carries the real token; the history shows it masked.
        await page.Locator("[data-testid=webhook-test]").ClickAsync();
        await page.Locator("[data-testid=webhook-history]").ClickAsync();
        // From the keyboard: Enter on a delivery's time opens its detail, with the keyboard on the drawer's close button.
        var open = page.Locator("#deliveries-grid [data-testid=delivery-open]").First;
        await open.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#delivery-detail-close")).ToBeFocusedAsync();
        var headers = page.Locator("#delivery-detail [data-testid=attempt-request-headers]").First;
        await Expect(headers).ToContainTextAsync("Authorization: ********");
        await Expect(headers).ToContainTextAsync("Content-Length:");
        Assert.DoesNotContain("s3cret", await page.ContentAsync());
        Assert.Equal(Token, Receiver.Requests.Single().Headers["authorization"]);
        await UiActions.ShotAsync(page, "4-history");

        // Escape closes it and puts the keyboard back on the delivery it was opened from.
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#delivery-drawer")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-drawer--open"));
        await Expect(open).ToBeFocusedAsync();
    }
}
