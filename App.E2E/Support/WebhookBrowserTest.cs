using static Microsoft.Playwright.Assertions;

namespace Undb.E2E.Support;

/// <summary>
/// A browser test against an app allowed to call loopback, with a webhook receiver of its own: the app and the
/// receiver start before the test and stop after it.
/// </summary>
public abstract class WebhookBrowserTest(BrowserFixture browser, IDictionary<string, string> settings) : IAsyncLifetime
{
    protected BrowserFixture Browser { get; } = browser;

    protected AppServer Server { get; } = new(new Dictionary<string, string>(settings) { ["Webhooks:AllowPrivateNetworks"] = "true" });

    protected WebhookReceiver Receiver { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Expectations wait for server round trips (a first HTTP send warms up the client). This is a hang guard,
        // not a performance bound.
        SetDefaultExpectTimeout(30_000);
        Receiver = await WebhookReceiver.StartAsync();
        await Server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
