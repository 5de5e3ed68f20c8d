using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E;

[Collection(BrowserCollection.Name)]
public sealed class FoundationTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _server = new();

    public Task InitializeAsync() => _server.StartAsync(withBootstrap: false);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>
    /// A refused form comes back with the keyboard in the field to fix, not in the first field (a new-user run had to
    /// click into the password after "at least 8 characters"), even when Enter was pressed in another field.
    /// </summary>
    [Fact]
    public async Task ARefusedForm_ComesBackWithTheKeyboardInTheFieldToFix()
    {
        await using var context = await browser.NewContextAsync(_server.BaseUrl);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/register");
        await Expect(page.Locator("#email")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("first@example.com");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("short");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("short");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByText("The password must be at least 8 characters.")).ToBeVisibleAsync();
        await Expect(page.Locator("#password")).ToBeFocusedAsync();

        // Typing replaces the short one; the confirmation does not match, so it is next.
        await page.Keyboard.TypeAsync("Sup3rSecret");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByText("The passwords do not match.")).ToBeVisibleAsync();
        await Expect(page.Locator("#confirm")).ToBeFocusedAsync();
        await page.FillAsync("#password", "Sup3rSecret");
        await page.FillAsync("#confirm", "Sup3rSecret");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByText("Your tables")).ToBeVisibleAsync();

        // Signing in with a wrong password keeps the email and puts the keyboard in the password.
        await using var other = await browser.NewContextAsync(_server.BaseUrl);
        var login = await other.NewPageAsync();
        await login.GotoAsync("/account/login");
        await login.FillAsync("#email", "first@example.com");
        await login.FillAsync("#password", "Wrong-Guess-1");
        await login.ClickAsync("#login-submit");
        await Expect(login.Locator("#login-error")).ToBeVisibleAsync();
        await Expect(login.Locator("#email")).ToHaveValueAsync("first@example.com");
        await Expect(login.Locator("#password")).ToBeFocusedAsync();
        await login.Keyboard.TypeAsync("Sup3rSecret");
        await login.Keyboard.PressAsync("Enter");
        await Expect(login.GetByText("Your tables")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task FirstUser_Registers_CreatesTable_AddsRecord_SeesItInGrid()
    {
        await using var context = await browser.NewContextAsync(_server.BaseUrl);
        var page = await context.NewPageAsync();

        // Any page sends a stranger to the login page, which offers registration on a fresh server.
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await page.ClickAsync("#register-link");
        // Enhanced navigation swaps the page in place: wait for the register form before typing.
        await Expect(page.Locator("#confirm")).ToBeVisibleAsync();
        // The form's first field has the keyboard, as on a full load (the browser's autofocus does not run on a swap).
        await Expect(page.Locator("#email")).ToBeFocusedAsync();
        await page.FillAsync("#email", "first@example.com");
        await page.FillAsync("#password", "Sup3rSecret");
        await page.FillAsync("#confirm", "Sup3rSecret");
        await page.ClickAsync("#register-submit");
        await Expect(page.GetByText("Your tables")).ToBeVisibleAsync();
        await UiActions.WaitForCircuitAsync(page);

        // Create a table with two fields through the dialog.
        await page.ClickAsync("#home-new-table");
        await page.FillAsync("#table-name input, input#table-name", "Leads");
        await page.ClickAsync("#add-field-row");
        var names = page.Locator(".field-name input");
        await names.Nth(1).FillAsync("Score");
        await page.Locator(".field-type").Nth(1).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Number" }).ClickAsync();
        await page.ClickAsync("#create-table-submit");
        await Expect(page.Locator("#table-title")).ToHaveTextAsync("Leads");
        // The dialog took the keyboard with it: it starts again at the new table's heading, not at the top of the page.
        await Expect(page.Locator("h1#table-title")).ToBeFocusedAsync();
        await UiActions.ShotAsync(page, "new-table-heading");

        // Add a record through the form and see it in the grid.
        await page.ClickAsync("#add-record");
        await page.Locator("[data-field='Name'] input, input[data-field='Name']").First.FillAsync("Ada Lovelace");
        await page.Locator("[data-field='Score'] input, input[data-field='Score']").First.FillAsync("42");
        await page.ClickAsync("#record-save");
        var grid = page.Locator("#records-grid");
        await Expect(grid.GetByText("Ada Lovelace")).ToBeVisibleAsync();
        await Expect(grid.GetByText("42")).ToBeVisibleAsync();
        await Expect(page.Locator("#record-count")).ToContainTextAsync("1 record");
    }
}
