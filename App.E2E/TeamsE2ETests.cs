using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Undb.E2E.Grid;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E;

/// <summary>Teams in a real browser: an owner invites an editor by link; the editor joins in a second browser and works within their role.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TeamsE2ETests(BrowserFixture browser)
{
    /// <summary>Set UNDB_SCREENSHOTS to a folder to keep what the test saw.</summary>
    [Fact]
    public async Task TheOwnerInvitesAnEditor_WhoJoinsByTheLink_EditsARecord_ButCannotChangeWebhooks()
    {
        await using var shared = new SharedServer();
        await shared.InitializeAsync();
        var (tableId, tableName) = await shared.CreateTableAsync("Deals", ("Deal", "text", null));
        var created = await shared.Api.PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = "Acme" } });
        var recordId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        (await shared.Api.PostAsJsonAsync($"/api/tables/{tableId}/webhooks",
            new { name = "CRM", url = "https://example.com/hook", events = new[] { "record.created" }, enabled = false })).EnsureSuccessStatusCode();

        // The owner makes an invite link for an editor on the Members page.
        await using var ownerContext = await browser.NewContextAsync(shared.Server.BaseUrl);
        var owner = await ownerContext.NewPageAsync();
        await UiActions.LoginAsync(owner);
        await owner.ClickAsync("#nav-members");
        await Expect(owner.Locator("#member-list")).ToContainTextAsync(AppServer.AdminEmail);
        await UiActions.WaitForCircuitAsync(owner);
        // The only owner is not offered a Leave that would be refused.
        var ownerRow = owner.Locator($"tr[data-member='{AppServer.AdminEmail}']");
        await Expect(ownerRow.Locator(".remove-member")).ToBeDisabledAsync();
        await Expect(ownerRow).ToContainTextAsync("Only owner");
        await Expect(owner.Locator("#invite-role")).ToHaveValueAsync("Editor");
        await owner.ClickAsync("#create-invite");
        var link = await owner.Locator("#secret-value input, input#secret-value").First.InputValueAsync();
        Assert.Matches("/invite/inv_[0-9A-Za-z]+$", link);
        await UiActions.ShotAsync(owner, "teams-invite-link", fullPage: true);
        await owner.ClickAsync("#secret-done");
        await Expect(owner.Locator("#invitation-list")).ToContainTextAsync("Waiting");

        // The editor opens the link in another browser and registers.
        await using var editorContext = await browser.NewContextAsync(shared.Server.BaseUrl);
        var editor = await editorContext.NewPageAsync();
        await editor.GotoAsync(link);
        await Expect(editor.Locator("#register-intro")).ToContainTextAsync("as an editor");
        await editor.FillAsync("#email", "editor@example.com");
        await editor.FillAsync("#password", "Ed1torPassw0rd");
        await editor.FillAsync("#confirm", "Ed1torPassw0rd");
        await editor.ClickAsync("#register-submit");
        await Expect(editor.GetByText("Your tables")).ToBeVisibleAsync();
        await UiActions.WaitForCircuitAsync(editor);
        // An editor creates no tables.
        await Expect(editor.Locator("#home-new-table")).ToHaveCountAsync(0);

        // The owner's page lists the new member at once, and the link is used up.
        await Expect(owner.Locator("#member-list")).ToContainTextAsync("editor@example.com");
        await Expect(owner.Locator("#invitation-list")).ToContainTextAsync("Used");

        // The editor edits a record in the grid.
        await editor.GotoAsync($"/tables/{tableId}");
        await UiActions.WaitForCircuitAsync(editor);
        await Expect(editor.Locator("[data-grid-ready='true']")).ToBeVisibleAsync();
        var grid = new GridPage(editor);
        await grid.BeginEditAsync(recordId, "Deal");
        await editor.Keyboard.PressAsync("Control+A");
        await editor.Keyboard.TypeAsync("Acme Corp");
        await editor.Keyboard.PressAsync("Enter");
        await Expect(grid.Cell(recordId, "Deal")).ToHaveTextAsync("Acme Corp");
        var stored = await shared.Api.GetFromJsonAsync<JsonObject>($"/api/tables/{tableId}/records/{recordId}");
        Assert.Equal("Acme Corp", stored!["values"]!["Deal"]!.GetValue<string>());
        Assert.Equal("editor@example.com", stored["updatedBy"]!["username"]!.GetValue<string>());

        // Fields and the table's settings are not theirs to change; webhooks they can only read.
        await Expect(editor.Locator("#table-menu")).ToHaveCountAsync(0);
        await Expect(editor.Locator("#manage-fields")).ToHaveCountAsync(0);
        await editor.GetByRole(AriaRole.Tab, new() { Name = "Webhooks", Exact = true }).ClickAsync();
        await Expect(editor.Locator("#webhooks-read-only")).ToBeVisibleAsync();
        await Expect(editor.Locator("#outbound-overview")).ToContainTextAsync("CRM");
        await Expect(editor.Locator("#webhooks-panel, #webhook-new")).ToHaveCountAsync(0);
        await Expect(editor.GetByRole(AriaRole.Tab, new() { Name = "Incoming webhooks" })).ToHaveCountAsync(0);
        await UiActions.ShotAsync(editor, "teams-editor-webhooks", fullPage: true);

        // The record's history says who changed it.
        await editor.GetByRole(AriaRole.Tab, new() { Name = "Records", Exact = true }).ClickAsync();
        await grid.OpenRecordAsync(recordId);
        await editor.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await Expect(editor.Locator("#record-history")).ToContainTextAsync("editor@example.com updated the record");
        await Expect(editor.Locator("#record-history")).ToContainTextAsync("Acme Corp");
        await UiActions.ShotAsync(editor, "teams-record-history", fullPage: true);

        // The members page is not for editors.
        await editor.GotoAsync("/members");
        await Expect(editor.Locator("#not-allowed")).ToBeVisibleAsync();
        await Expect(editor.Locator("#nav-members")).ToHaveCountAsync(0);

        // A new role counts at once on the open page; a removal ends the session there and then.
        await editor.GotoAsync($"/tables/{tableId}");
        await UiActions.WaitForCircuitAsync(editor);
        await Expect(editor.Locator("[data-grid-ready='true']")).ToBeVisibleAsync();
        var members = await shared.Api.GetFromJsonAsync<JsonArray>("/api/members");
        var editorId = members!.Single(m => m!["email"]!.GetValue<string>() == "editor@example.com")!["id"]!.GetValue<string>();
        (await shared.Api.PatchAsJsonAsync($"/api/members/{editorId}", new { role = "admin" })).EnsureSuccessStatusCode();
        await Expect(editor.Locator("#table-menu")).ToBeVisibleAsync();
        await Expect(editor.Locator("#manage-fields")).ToBeVisibleAsync();
        (await shared.Api.DeleteAsync($"/api/members/{editorId}")).EnsureSuccessStatusCode();
        await Expect(editor).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
    }
}
