using Bunit;
using MudBlazor;
using Undb.Features.Webhooks.Incoming;
using Undb.Features.Webhooks.Incoming.Components;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class IncomingWebhookCardTests(IncomingFactory factory) : IncomingBunitContext(factory)
{
    private IRenderedComponent<IncomingWebhookCard> RenderCard(Undb.Features.Tables.TableSnapshot table, IncomingWebhookView hook) =>
        Render<IncomingWebhookCard>(p => p.Add(c => c.Webhook, hook).Add(c => c.Table, table).Add(c => c.Now, DateTimeOffset.UtcNow));

    [Fact]
    public async Task Card_ShowsNameUrlMaskedKeyAndStats_NeverTheKey()
    {
        var (table, hook) = await CreateAsync();
        var card = RenderCard(table, hook.Webhook);

        Assert.Equal("Form", card.Find(".incoming-title").TextContent);
        Assert.Equal($"http://localhost/hooks/{hook.Webhook.Id}", card.Find(".incoming-url input").GetAttribute("value"));
        Assert.Equal(hook.Webhook.ApiKeyMasked, card.Find(".incoming-key-masked").TextContent);
        Assert.DoesNotContain(hook.ApiKey, card.Markup);
        Assert.Equal("0", card.Find(".incoming-received .stat-value").TextContent);
        Assert.Equal("never", card.Find(".incoming-last .stat-value").TextContent);
    }

    [Fact]
    public async Task CopyUrl_CopiesToClipboard_AndSaysCopied()
    {
        var (table, hook) = await CreateAsync();
        var url = $"http://localhost/hooks/{hook.Webhook.Id}";
        var copy = JSInterop.Setup<bool>("undb.copyText", url);
        copy.SetResult(true);
        var card = RenderCard(table, hook.Webhook);

        await card.Find(".incoming-copy-url").ClickAsync(new());

        Assert.Single(copy.Invocations);
        Assert.Contains("Copied", card.Find(".incoming-copy-url").TextContent);
    }

    [Fact]
    public async Task UnmappedRequiredField_IsFlaggedOnTheCard()
    {
        var (table, hook) = await CreateAsync();
        var card = RenderCard(table, hook.Webhook);
        Assert.Contains("Deal", card.Find(".incoming-unmapped").TextContent);

        var mapped = await Hooks.UpdateAsync(hook.Webhook.Id, null, MapByName(table, null, ("Deal", "$.title")), null);
        card.Render(p => p.Add(c => c.Webhook, mapped));
        Assert.Empty(card.FindAll(".incoming-unmapped"));
        Assert.Contains("1 of 9 fields mapped", card.Find(".incoming-mapping-summary").TextContent);
    }

    [Fact]
    public async Task EnabledSwitch_PausesTheWebhook()
    {
        var (table, hook) = await CreateAsync();
        var card = RenderCard(table, hook.Webhook);

        await card.Find(".incoming-enabled input").ChangeAsync(new() { Value = false });

        Assert.False((await Hooks.GetAsync(hook.Webhook.Id))!.Enabled);
    }

    [Fact]
    public async Task Regenerate_AsksFirst_ThenShowsTheNewKeyOnce()
    {
        var (table, hook) = await CreateAsync();
        var host = Render<DialogHost>();
        var card = RenderCard(table, hook.Webhook);

        var click = card.Find(".incoming-regenerate").ClickAsync(new());
        host.WaitForAssertion(() => Assert.Contains("Regenerate the API key?", host.Markup), Patience);
        await host.FindAll("button").Single(b => b.TextContent.Trim() == "Regenerate").ClickAsync(new());
        host.WaitForAssertion(() => Assert.Contains("shown only this once", host.Markup), Patience);

        var shown = host.Find("#secret-value").GetAttribute("value") ?? host.Find("#secret-value input").GetAttribute("value");
        Assert.StartsWith("uwk_", shown);
        Assert.NotEqual(hook.ApiKey, shown);
        Assert.NotEqual(hook.Webhook.ApiKeyMasked, (await Hooks.GetAsync(hook.Webhook.Id))!.ApiKeyMasked);
        await host.Find("#secret-done").ClickAsync(new());
        await click;
    }

    [Fact]
    public async Task Panel_UpdatesStatsLive_WhenARequestArrives()
    {
        var (table, hook) = await CreateAsync(mapping: null);
        var panel = Render<IncomingWebhooksPanel>(p => p.Add(c => c.Table, table));
        panel.WaitForAssertion(() => Assert.Equal("0", panel.Find(".incoming-received .stat-value").TextContent), Patience);

        var outcome = await PostAsync(hook, """{ "title": "x" }""");

        Assert.Equal(422, outcome.Status);
        panel.WaitForAssertion(() =>
        {
            Assert.Equal("1", panel.Find(".incoming-received .stat-value").TextContent);
            Assert.Equal("1", panel.Find(".incoming-rejected .stat-value").TextContent);
            Assert.Equal("just now", panel.Find(".incoming-last .stat-value").TextContent);
        }, Patience);
    }
}
