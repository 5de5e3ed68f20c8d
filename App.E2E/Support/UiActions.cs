using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Undb.E2E.Support;

/// <summary>Steps most UI tests share.</summary>
public static class UiActions
{
    public static async Task LoginAsync(IPage page, string email = AppServer.AdminEmail, string password = AppServer.AdminPassword)
    {
        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#login-submit");
        // The circuit check below is the real readiness signal; waiting for "load" as well only adds a way to time out.
        // Not WaitForURLAsync: when the click has already seen the navigation commit, the URL matches at once and it
        // waits for the page's "load" event instead, whatever WaitUntil says (Playwright maps Commit to no load state,
        // which means Load). A CI run timed out there, 30 s after the app page had loaded its circuit.
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/account/login"), new() { Timeout = 30_000 });
        await WaitForCircuitAsync(page);
    }

    /// <summary>Waits until Blazor's interactive circuit is up, so clicks reach the server.</summary>
    public static async Task WaitForCircuitAsync(IPage page)
    {
        // MainLayout sets this from OnAfterRenderAsync, which only runs once the circuit is live.
        await page.WaitForFunctionAsync("() => document.documentElement.dataset.interactive === 'true'");
    }

    /// <summary>
    /// Saves a screenshot of the page as <paramref name="name"/>.png in the folder UNDB_SCREENSHOTS names, to look at a
    /// UI change; without that variable it does nothing.
    /// </summary>
    public static async Task ShotAsync(IPage page, string name, bool fullPage = false)
    {
        if (Environment.GetEnvironmentVariable("UNDB_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png"), FullPage = fullPage });
        }
    }
}
