using Bunit;
using Undb.Features.Webhooks.Incoming.Components;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class TableIncomingCardTests(IncomingFactory factory) : IncomingBunitContext(factory)
{
    [Fact]
    public async Task Card_ShowsUrlMaskedKeyReceivedAndSwitch_AndCopiesTheUrl()
    {
        var (table, hook) = await CreateAsync();
        await PostAsync(hook, """{ "deal": "x" }""");
        var url = $"http://localhost/hooks/{hook.Webhook.Id}";
        var copy = JSInterop.Setup<bool>("undb.copyText", url);
        copy.SetResult(true);

        var card = Render<TableIncomingCard>(p => p.Add(c => c.Table, table));

        var row = card.WaitForElement($".incoming-strip-row[data-webhook-id='{hook.Webhook.Id}']", Patience);
        Assert.Equal(url, row.QuerySelector(".incoming-strip-url")!.TextContent);
        Assert.Equal(hook.Webhook.ApiKeyMasked, row.QuerySelector(".incoming-strip-key")!.TextContent);
        Assert.Equal("1 received", row.QuerySelector(".incoming-strip-received")!.TextContent);
        Assert.DoesNotContain("never", row.QuerySelector(".incoming-strip-last")!.TextContent);
        Assert.DoesNotContain(hook.ApiKey, card.Markup);

        await card.Find(".incoming-strip-copy").ClickAsync(new());
        Assert.Single(copy.Invocations);
    }

    [Fact]
    public async Task Collapsing_IsRemembered_PerUser_InTheBrowser()
    {
        var (table, _) = await CreateAsync();
        var card = Render<TableIncomingCard>(p => p.Add(c => c.Table, table));
        card.WaitForElement(".incoming-strip-row", Patience);

        await card.Find("#incoming-strip-toggle").ClickAsync(new());

        Assert.Empty(card.FindAll(".incoming-strip-row"));
        var stored = Assert.Single(JSInterop.Invocations, i => i.Identifier == "localStorage.setItem");
        Assert.Equal([TableIncomingCard.StorageKey(null), "true"], stored.Arguments);
    }

    [Fact]
    public async Task ARememberedCollapse_StartsCollapsed()
    {
        var (table, _) = await CreateAsync();
        JSInterop.Setup<string?>("localStorage.getItem", TableIncomingCard.StorageKey(null)).SetResult("true");
        var card = Render<TableIncomingCard>(p => p.Add(c => c.Table, table));
        card.WaitForAssertion(() => Assert.Contains("Show the incoming webhook", card.Find("#incoming-strip-toggle").GetAttribute("aria-label")), Patience);
        Assert.Empty(card.FindAll(".incoming-strip-row"));
    }
}
