using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E;

/// <summary>API tokens on the settings page, by keyboard: created with Enter, shown once, and the form ready for the next.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SettingsTokensE2ETests(BrowserFixture browser, SharedServer shared) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task ATokenCreatedWithEnter_IsShownOnce_ThenTheNameIsEmptyAndHasTheKeyboard()
    {
        await using var context = await browser.NewContextAsync(shared.Server.BaseUrl);
        var page = await context.NewPageAsync();
        await UiActions.LoginAsync(page);
        await page.GotoAsync("/settings");
        await UiActions.WaitForCircuitAsync(page);
        var name = page.Locator("#token-name input, input#token-name");
        var tokenName = $"CRM sync {Guid.NewGuid():N}"[..20];

        await name.FocusAsync();
        await page.Keyboard.TypeAsync(tokenName);
        await page.Keyboard.PressAsync("Enter");
        var shown = page.GetByRole(AriaRole.Dialog).Filter(new() { HasText = "Your new API token" });
        await Expect(shown).ToBeVisibleAsync();
        var token = await page.Locator("#secret-value input, input#secret-value").InputValueAsync();
        Assert.StartsWith("undb_", token);
        // Escape does not close it: the token is never shown again.
        await page.Keyboard.PressAsync("Escape");
        await Expect(shown).ToBeVisibleAsync();
        await page.ClickAsync("#secret-done");
        await Expect(shown).ToHaveCountAsync(0);

        // Listed; the name field is empty again (it kept the old name, so a second Enter made a second token) and has the keyboard.
        await Expect(page.Locator("#token-list")).ToContainTextAsync(tokenName);
        await Expect(name).ToHaveValueAsync("");
        await Expect(name).ToBeFocusedAsync();

        // The token works.
        using var http = new HttpClient { BaseAddress = new Uri(shared.Server.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var response = await http.GetAsync("/api/tables");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}
