using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E;

[Collection(BrowserCollection.Name)]
public sealed class IncomingWebhooksE2ETests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task CreateWebhook_CopyUrl_MapSample_PostJson_RecordAppearsLiveAndStatsChange()
    {
        using var api = _server.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/tables", new
        {
            name = "Leads",
            fields = new object[] { new { name = "Deal", type = "text", required = true }, new { name = "Value", type = "number" } },
        });
        var tableId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        await using var context = await browser.NewContextAsync(_server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        await page.GotoAsync($"/tables/{tableId}");
        await UiActions.WaitForCircuitAsync(page);
        await Expect(page.Locator("#table-title")).ToHaveTextAsync("Leads");

        // Create the webhook: its key is shown once, in full.
        await page.Locator(".mud-tab", new() { HasText = "Incoming webhooks" }).ClickAsync();
        await page.ClickAsync("#incoming-new");
        await page.Locator("input#incoming-name, #incoming-name input").FillAsync("Website form");
        await page.ClickAsync("#incoming-name-submit");
        await Expect(page.GetByText("it is shown only this once")).ToBeVisibleAsync();
        var key = await page.Locator("input#secret-value, #secret-value input").InputValueAsync();
        Assert.StartsWith("uwk_", key);
        await Expect(page.GetByLabel("API key", new() { Exact = true })).ToHaveValueAsync(key);
        // A stray Escape does not lose the key: only "I have copied it" closes the dialog (Copy answers after the
        // Escape reached the server, so a dialog closed by it would have no Copy to answer).
        await page.Keyboard.PressAsync("Escape");
        await page.ClickAsync("#secret-copy");
        await Expect(page.Locator("#secret-copied")).ToBeVisibleAsync();
        await page.ClickAsync("#secret-done");

        // The card: masked key, zero stats, and a URL that copies to the clipboard.
        var card = page.Locator(".incoming-card").First;
        var webhookId = await card.GetAttributeAsync("data-webhook-id");
        await Expect(card.Locator(".incoming-key-masked")).ToHaveTextAsync($"{key[..8]}…{key[^4..]}");
        await Expect(card.Locator(".incoming-received .stat-value")).ToHaveTextAsync("0");
        await card.Locator(".incoming-copy-url").ClickAsync();
        await Expect(card.Locator(".incoming-copy-url")).ToContainTextAsync("Copied");
        var url = await page.EvaluateAsync<string>("navigator.clipboard.readText()");
        Assert.Equal($"{_server.BaseUrl}/hooks/{webhookId}", url);

        // Map: paste a sample; Value is matched by name, Deal is chosen by hand; the preview shows the record.
        await card.Locator(".incoming-edit-mapping").ClickAsync();
        await page.Locator("textarea#mapping-sample, #mapping-sample textarea").FillAsync("""{ "deal": { "title": "Acme", "value": "1200" } }""");
        await Expect(page.Locator(".mapping-key[data-path='$.deal.title']")).ToBeVisibleAsync();
        await Expect(page.Locator("#mapping-save")).ToBeDisabledAsync();
        await page.Locator(".mapping-field-row[data-field='Deal'] .mapping-field-select").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "$.deal.title" }).ClickAsync();
        await Expect(page.Locator("#mapping-ok")).ToContainTextAsync("would create 1 record");
        await Expect(page.Locator("#mapping-preview-table")).ToContainTextAsync("Acme");
        await Expect(page.Locator("#mapping-preview-table")).ToContainTextAsync("1,200");
        await page.ClickAsync("#mapping-save");
        await Expect(card.Locator(".incoming-mapping-summary")).ToContainTextAsync("2 of 2 fields mapped");

        // A sender POSTs to the copied URL: the record appears live in the open grid.
        await page.Locator(".mud-tab", new() { HasText = "Records" }).ClickAsync();
        using var sender = new HttpClient();
        var accepted = await sender.SendAsync(Hook(url, key, """{ "deal": { "title": "Globex", "value": 42 } }"""));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        await Expect(page.Locator("#records-grid").GetByText("Globex")).ToBeVisibleAsync();
        await Expect(page.Locator("#record-count")).ToContainTextAsync("1 record");

        // The stats counted it, and change live while the card is on screen.
        await page.Locator(".mud-tab", new() { HasText = "Incoming webhooks" }).ClickAsync();
        await Expect(card.Locator(".incoming-received .stat-value")).ToHaveTextAsync("1");
        await Expect(card.Locator(".incoming-accepted .stat-value")).ToHaveTextAsync("1");
        await Expect(card.Locator(".incoming-last .stat-value")).Not.ToHaveTextAsync("never");
        var rejected = await sender.SendAsync(Hook(url, key, """{ "deal": { "value": "lots" } }"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, rejected.StatusCode);
        await Expect(card.Locator(".incoming-received .stat-value")).ToHaveTextAsync("2");
        await Expect(card.Locator(".incoming-rejected .stat-value")).ToHaveTextAsync("1");

        // The request log shows both, newest first, with the payload.
        await card.Locator(".incoming-view-requests").ClickAsync();
        await Expect(page.Locator(".request-entry")).ToHaveCountAsync(2);
        await Expect(page.Locator(".request-entry .request-status").First).ToHaveTextAsync("422");
    }

    [Fact]
    public async Task TheCardIsOnTheTablePage_WithoutSwitchingTabs_AndItsCopyButtonPutsTheUrlOnTheClipboard()
    {
        using var api = _server.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/tables", new { name = "Signups", fields = new object[] { new { name = "Email", type = "email" } } });
        var tableId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var hook = await api.PostAsJsonAsync($"/api/tables/{tableId}/incoming-webhooks", new { name = "Signup form", mapping = new { fields = new { Email = "$.email" } } });
        var hookJson = (await hook.Content.ReadFromJsonAsync<JsonObject>())!;
        var hookId = hookJson["id"]!.GetValue<string>();
        using (var sender = new HttpClient())
        {
            var sent = await sender.SendAsync(Hook($"{_server.BaseUrl}/hooks/{hookId}", hookJson["apiKey"]!.GetValue<string>(), """{ "email": "ada@example.com" }"""));
            Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        }

        await using var context = await browser.NewContextAsync(_server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        await page.GotoAsync($"/tables/{tableId}");
        await UiActions.WaitForCircuitAsync(page);

        // On the Records view as it opens: no tab clicked.
        var row = page.Locator($"#incoming-strip .incoming-strip-row[data-webhook-id='{hookId}']");
        await Expect(row).ToBeVisibleAsync();
        await Expect(page.Locator("#records-grid")).ToBeVisibleAsync();
        var url = $"{_server.BaseUrl}/hooks/{hookId}";
        await Expect(row.Locator(".incoming-strip-url")).ToHaveTextAsync(url);
        await Expect(row.Locator(".incoming-strip-key")).ToHaveTextAsync(hookJson["apiKeyMasked"]!.GetValue<string>());
        await Expect(row.Locator(".incoming-strip-received")).ToHaveTextAsync("1 received");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "incoming-strip.png") });

        await row.Locator(".incoming-strip-copy").ClickAsync();
        await Expect(row.Locator(".incoming-strip-copy .mud-success-text, .incoming-strip-copy.mud-success-text")).ToHaveCountAsync(1);
        Assert.Equal(url, await page.EvaluateAsync<string>("navigator.clipboard.readText()"));

        // Collapsed, it stays collapsed after a reload (remembered for this user).
        await page.ClickAsync("#incoming-strip-toggle");
        await Expect(row).ToBeHiddenAsync();
        await page.ReloadAsync();
        await UiActions.WaitForCircuitAsync(page);
        await Expect(page.Locator("#incoming-strip-toggle")).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(page.Locator(".incoming-strip-row")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task TheToolbarButton_OpensTheOneScreenSetup_NameKeyMappingAndSendTest_WithTheKeyboard()
    {
        using var api = _server.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/tables", new
        {
            name = "Leads",
            fields = new object[] { new { name = "Deal", type = "text", required = true }, new { name = "Value", type = "number" } },
        });
        var tableId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        await using var context = await browser.NewContextAsync(_server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        await page.GotoAsync($"/tables/{tableId}");
        await UiActions.WaitForCircuitAsync(page);

        // Escape before creating: nothing is made.
        await page.ClickAsync("#incoming-setup");
        await Expect(page.Locator("input#setup-name")).ToBeFocusedAsync();
        await Expect(page.Locator("input#setup-name")).ToHaveValueAsync("Leads incoming");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#setup-basics")).ToHaveCountAsync(0);
        Assert.Empty((JsonArray)(await api.GetFromJsonAsync<JsonObject>($"/api/tables/{tableId}/incoming-webhooks"))!["items"]!);

        // Name it and press Enter: the URL and the key appear on the same screen, each with a copy button. The suggested
        // name is selected, so what is typed replaces it (it used to end up as "Leads incomingWebsite form").
        await page.ClickAsync("#incoming-setup");
        await Expect(page.Locator("input#setup-name")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("Website form");
        await Expect(page.Locator("input#setup-name")).ToHaveValueAsync("Website form");
        await page.Keyboard.PressAsync("Enter");
        var key = (await page.Locator("#setup-key").TextContentAsync())!.Trim();
        Assert.StartsWith("uwk_", key);
        // Escape before the key is copied: it is shown only now, so the dialog asks about that (it used to ask
        // "Discard your changes?" about the name, which was saved already). Enter is "Keep editing".
        await page.Keyboard.PressAsync("Escape");
        var keyQuestion = page.GetByRole(AriaRole.Dialog).Filter(new() { HasText = "Close without copying the API key?" });
        await Expect(keyQuestion).ToBeVisibleAsync();
        await Expect(keyQuestion.GetByRole(AriaRole.Button, new() { Name = "Keep editing" })).ToBeFocusedAsync();
        await UiActions.ShotAsync(page, "incoming-key-question");
        await page.Keyboard.PressAsync("Enter");
        await Expect(keyQuestion).ToHaveCountAsync(0);
        await page.ClickAsync("#setup-copy-key");
        await Expect(page.Locator("#setup-copy-key.mud-success-text, #setup-copy-key .mud-success-text")).ToHaveCountAsync(1);
        Assert.Equal(key, await page.EvaluateAsync<string>("navigator.clipboard.readText()"));
        var url = (await page.Locator("#setup-url").TextContentAsync())!.Trim();
        await page.ClickAsync("#setup-copy-url");
        await Expect(page.Locator("#setup-copy-url.mud-success-text, #setup-copy-url .mud-success-text")).ToHaveCountAsync(1);
        Assert.Equal(url, await page.EvaluateAsync<string>("navigator.clipboard.readText()"));
        Assert.StartsWith($"{_server.BaseUrl}/hooks/uwh", url);

        // Key copied, nothing changed since Create: Escape closes at once, and the webhook stays.
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#setup-basics")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        await page.ClickAsync("#incoming-setup");
        await page.Locator(".incoming-setup-item", new() { HasText = "Website form" }).ClickAsync();
        await Expect(page.Locator("input#setup-name")).ToBeFocusedAsync();

        // A sample: both fields match by name, the preview shows the record, Send test writes it through the URL.
        await page.Locator("textarea#mapping-sample, #mapping-sample textarea").FillAsync("""{ "deal": "Acme", "value": 1200 }""");
        await Expect(page.Locator("#mapping-ok")).ToContainTextAsync("would create 1 record");
        await page.ClickAsync("#mapping-send-test");
        await Expect(page.Locator("#mapping-test-answer")).ToContainTextAsync("201");
        await Expect(page.Locator("#mapping-test-records")).ToContainTextAsync("Acme");
        await Expect(page.Locator("#mapping-test-records")).ToContainTextAsync("1,200");
        if (Environment.GetEnvironmentVariable("UNDB_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, "incoming-setup.png"), FullPage = true });
        }
        await page.ClickAsync("#mapping-save");
        await Expect(page.Locator("#setup-basics")).ToHaveCountAsync(0);

        // Behind it: the test's record is in the grid, the card shows the webhook (a test is not counted as received).
        await Expect(page.Locator("#records-grid").GetByText("Acme")).ToBeVisibleAsync();
        var row = page.Locator("#incoming-strip .incoming-strip-row");
        await Expect(row.Locator(".incoming-strip-name")).ToHaveTextAsync("Website form");
        await Expect(row.Locator(".incoming-strip-received")).ToHaveTextAsync("0 received");

        // A real sender with the copied URL and key.
        using var sender = new HttpClient();
        var accepted = await sender.SendAsync(Hook(url, key, """{ "deal": "Globex", "value": 42 }"""));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        await Expect(page.Locator("#records-grid").GetByText("Globex")).ToBeVisibleAsync();
        await Expect(row.Locator(".incoming-strip-received")).ToHaveTextAsync("1 received");

        // With a webhook, the toolbar button opens a menu: the webhook, or a new one.
        await page.ClickAsync("#incoming-setup");
        await page.Locator(".incoming-setup-item", new() { HasText = "Website form" }).ClickAsync();
        await Expect(page.Locator("#setup-key-masked")).ToHaveTextAsync($"{key[..8]}…{key[^4..]}");
        await Expect(page.Locator("#setup-key")).ToHaveCountAsync(0);
        await Expect(page.Locator("input#setup-name")).ToBeFocusedAsync(); // the keyboard is in the dialog, not left on the menu
        // Nothing changed (the fields the logged payload maps by name are a suggestion): Escape closes at once.
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#setup-basics")).ToHaveCountAsync(0);

        // A changed name is asked about before Escape throws it away.
        await page.ClickAsync("#incoming-setup");
        await page.Locator(".incoming-setup-item", new() { HasText = "Website form" }).ClickAsync();
        await Expect(page.Locator("input#setup-name")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("End");
        await page.Keyboard.TypeAsync(" 2");
        await page.Keyboard.PressAsync("Escape");
        var confirm = page.GetByRole(AriaRole.Dialog).Filter(new() { HasText = "Discard your changes?" });
        await Expect(confirm).ToBeVisibleAsync();
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Discard" }).ClickAsync();
        await Expect(page.Locator("#setup-basics")).ToHaveCountAsync(0);
        var names = (JsonArray)(await api.GetFromJsonAsync<JsonObject>($"/api/tables/{tableId}/incoming-webhooks"))!["items"]!;
        Assert.Equal("Website form", Assert.Single(names)!["name"]!.GetValue<string>());
    }

    private static HttpRequestMessage Hook(string url, string key, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", key);
        return request;
    }
}
