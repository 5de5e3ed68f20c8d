using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E.Grid;

/// <summary>
/// app.js's "put the keyboard there once it is shown" (undb.focusWhenShown), which dialogs, the filter bar and the
/// Fields list use after a render: it waits for an element not shown yet, but never takes the keyboard from a user who
/// has moved on meanwhile. Driven directly, so "late" is a step of the test, not a matter of timing.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class FocusHelperTests(BrowserFixture browser, SharedServer app) : IClassFixture<SharedServer>
{
    /// <summary>Adds a button with the id to the page and answers the id of what has the keyboard once the page has reacted.</summary>
    private const string ShowButton = """
        async id => {
            const button = document.createElement("button");
            button.id = id;
            button.textContent = id;
            document.body.appendChild(button);
            // The helper watches with a MutationObserver, whose callback was queued by the append: one microtask later it has run.
            await Promise.resolve();
            return document.activeElement?.id ?? "";
        }
        """;

    [Fact]
    public async Task FocusWhenShown_WaitsForTheElement_ButGivesUpOnceTheUserPressesAKey()
    {
        var (tableId, _) = await app.CreateTableAsync("Focus", ("Deal", "text", null));
        await using var context = await browser.NewContextAsync(app.Server.BaseUrl);
        var page = (await GridPage.OpenAsync(context, tableId)).Page;
        var addRecord = page.Locator("#add-record");

        // Nobody acts meanwhile: the element takes the keyboard as soon as it is shown.
        await addRecord.FocusAsync();
        await page.EvaluateAsync("() => undb.focusWhenShown('#shown-late')");
        Assert.Equal("shown-late", await page.EvaluateAsync<string>(ShowButton, "shown-late"));

        // The user pressed a key before it was shown: the keyboard stays where they had it.
        await addRecord.FocusAsync();
        await page.EvaluateAsync("() => undb.focusWhenShown('#shown-after-a-key')");
        await page.Keyboard.PressAsync("Shift");
        Assert.Equal("add-record", await page.EvaluateAsync<string>(ShowButton, "shown-after-a-key"));
        await Expect(addRecord).ToBeFocusedAsync();
    }
}
