using Microsoft.Playwright;

namespace Undb.E2E.Support;

/// <summary>
/// Headless Debian Chromium driven by Playwright. The browser path comes from PLAYWRIGHT_CHROMIUM_EXECUTABLE
/// (default /usr/bin/chromium); Playwright cannot download its own browser here.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string DefaultChromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    public static string ChromiumPath => Environment.GetEnvironmentVariable("PLAYWRIGHT_CHROMIUM_EXECUTABLE") is { Length: > 0 } p ? p : DefaultChromium;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium not found at {ChromiumPath}. Run ./test.sh (it installs Debian's chromium) or set PLAYWRIGHT_CHROMIUM_EXECUTABLE.");
        }
        // Web-first assertions retry until this; 5 s (Playwright's default) is short for a loaded 2-core machine.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh browser context (its own cookies) with clipboard access for copy buttons.</summary>
    /// <param name="timeZone">The browser's time zone (IANA id); the machine's when null.</param>
    public async Task<IBrowserContext> NewContextAsync(string baseUrl, string? timeZone = null, ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = viewport ?? new ViewportSize { Width = 1400, Height = 900 },
            Permissions = ["clipboard-read", "clipboard-write"],
            TimezoneId = timeZone,
        });
        // Generous: on a 2-core CI machine a first Blazor load can take seconds; a timeout is not a speed assertion.
        context.SetDefaultTimeout(30_000);
        Diagnostics.Watch(context);
        return context;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
