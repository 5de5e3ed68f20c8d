using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E.Webhooks;

/// <summary>An admin points a webhook at a chat service: picks a preset with the keyboard, sees the preview, breaks and fixes a template.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PayloadTemplateUiTests(BrowserFixture browser) : WebhookBrowserTest(browser, new Dictionary<string, string>())
{
    [Fact]
    public async Task TheSlackPreset_ChosenWithTheKeyboard_PreviewsTheLatestRecord_AndTheReceiverGetsWhatWasPreviewed()
    {
        using var api = Server.CreateApiClient();
        var response = await api.PostAsJsonAsync("/api/tables", new { name = "Deals", fields = new object[] { new { name = "Deal", type = "text" }, new { name = "Stage", type = "text" } } });
        var tableId = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        (await api.PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = "Globex", Stage = "Lead" } })).EnsureSuccessStatusCode();

        await using var context = await Browser.NewContextAsync(Server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        await page.GotoAsync($"/tables/{tableId}");
        await UiActions.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Webhooks", Exact = true }).ClickAsync();
        await page.ClickAsync("#webhook-create-first");
        await page.FillAsync("#webhook-name input, input#webhook-name", "Slack");
        await page.FillAsync("#webhook-url input, input#webhook-url", Receiver.Url);

        // The Payload panel, opened and driven with the keyboard.
        var header = page.Locator("#webhook-payload-panel .mud-expand-panel-header");
        await header.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#webhook-payload-preview")).ToContainTextAsync("Globex");
        var format = page.GetByRole(AriaRole.Combobox, new() { Name = "Format" });
        await format.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Option, new() { Name = "Slack" })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#webhook-payload-panel")).ToContainTextAsync("Payload: Slack");
        await Expect(page.Locator("#webhook-payload-preview")).ToContainTextAsync("record.created in Deals");
        await Expect(page.Locator("#webhook-payload-preview")).ToContainTextAsync("Deal: Globex");
        await UiActions.ShotAsync(page, "webhook-payload-slack", fullPage: true);

        // Typing a broken template: the preview says where, and saving is refused next to the field.
        var template = page.Locator("#webhook-payload-template textarea, textarea#webhook-payload-template");
        await template.FillAsync("{\"text\": {{ record.Deal | json }");
        await Expect(page.Locator("#webhook-payload-preview-error")).ToContainTextAsync("line 1, column");
        await UiActions.ShotAsync(page, "webhook-payload-broken", fullPage: true);
        await page.ClickAsync("#webhook-save");
        await Expect(page.Locator("#webhook-payload-panel")).ToContainTextAsync("For record.created");
        await Expect(page.Locator("#webhook-form")).ToBeVisibleAsync();
        // The keyboard goes to the field in error, not left on Save.
        await Expect(template).ToBeFocusedAsync();
        await UiActions.ShotAsync(page, "webhook-payload-refused", fullPage: true);

        // Fixed, typed fast: the last keystroke is in what is saved.
        await template.FillAsync("");
        await template.PressSequentiallyAsync("{\"text\": {{ record.Deal | append: \" is \" | append: record.Stage | json }}}");
        await Expect(page.Locator("#webhook-payload-preview")).ToContainTextAsync("Globex is Lead");
        await page.ClickAsync("#webhook-save");
        await Expect(page.Locator("[data-testid=webhook-card]")).ToBeVisibleAsync();

        (await api.PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = "Initech", Stage = "Won" } })).EnsureSuccessStatusCode();
        var body = (await Receiver.WaitForCountAsync(1)).Single();
        Assert.Equal("Initech is Won", JsonNode.Parse(body)!["text"]!.GetValue<string>());
    }
}
