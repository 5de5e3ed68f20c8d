using Microsoft.Playwright;
using Undb.E2E.Support;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E;

/// <summary>The API reference page renders the app's OpenAPI document in a real browser, without a sign-in.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiDocsE2ETests(BrowserFixture browser, SharedServer shared) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task TheReference_RendersTheDocument()
    {
        await using var context = await browser.NewContextAsync(shared.Server.BaseUrl);
        var page = await context.NewPageAsync();
        var elsewhere = new List<string>();
        page.Request += (_, request) =>
        {
            if (new Uri(request.Url) is { Scheme: "http" or "https" } uri && uri.Host != "127.0.0.1")
            {
                lock (elsewhere)
                {
                    elsewhere.Add(request.Url);
                }
            }
        };
        await page.GotoAsync("/api/docs");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Undb API" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        // The operations, grouped by tag, and the outbound events (the document's webhooks section).
        foreach (var group in new[] { "Tables", "Accounts", "Outbound webhooks", "Incoming webhooks" })
        {
            await Expect(page.GetByText(group, new() { Exact = true }).First).ToBeAttachedAsync();
        }
        await Expect(page.GetByText("OpenAPI 3.1", new() { Exact = false }).First).ToBeVisibleAsync();
        await UiActions.ShotAsync(page, "api-docs");

        // Self-hosted means self-contained: no fonts, telemetry or AI chat from scalar.com, no offers to deploy there.
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        lock (elsewhere)
        {
            Assert.Empty(elsewhere);
        }
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Ask AI" })).ToHaveCountAsync(0);
        await Expect(page.GetByText("Deploy", new() { Exact = true })).ToHaveCountAsync(0);
    }
}
