using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;
using Undb.Features.Webhooks.Outbound.Components;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound.Components;

/// <summary>The dialog's Delivery panel: ordered delivery and maxPerSecond, saved, shown on the card, and cleared.</summary>
public sealed class DeliverySettingsUiTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private readonly WebhooksUiContext _ui = new(factory);
    private IRenderedComponent<MudDialogProvider>? _provider;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ui.DisposeAsync();

    private WebhookService Webhooks => factory.Services.GetRequiredService<WebhookService>();

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, Task<DialogResult?> Result)> OpenAsync(TableSnapshot table, WebhookDto? existing = null)
    {
        var provider = _provider ??= _ui.RenderProviders();
        var dialogs = _ui.Services.GetRequiredService<IDialogService>();
        var parameters = new DialogParameters<WebhookDialog> { { d => d.Table, table }, { d => d.Existing, existing } };
        var reference = await provider.InvokeAsync(() => dialogs.ShowAsync<WebhookDialog>("Webhook", parameters));
        provider.WaitForElement("#webhook-form");
        return (provider, reference.Result);
    }

    [Fact]
    public async Task OrderedAndALimit_AreSaved_ShownOnTheCard_AndCleared()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var (provider, result) = await OpenAsync(table);
        provider.Find("#webhook-name input, input#webhook-name").Change("Paced");
        provider.Find("#webhook-url input, input#webhook-url").Input("https://example.com/paced");
        Assert.Contains("Delivery: as fast as possible, in parallel", provider.Markup);
        provider.Find("#webhook-delivery-panel .mud-expand-panel-header").Click();
        provider.WaitForElement("#webhook-ordered input, input#webhook-ordered").Change(true);
        provider.Find("#webhook-max-per-second input, input#webhook-max-per-second").Change("5");
        provider.WaitForAssertion(() => Assert.Contains("Delivery: ordered, at most 5/s", provider.Markup));
        provider.Find("#webhook-save").Click();

        var saved = Assert.IsType<WebhookDto>((await result.WaitAsync(TimeSpan.FromSeconds(30)))!.Data);
        Assert.True(saved.Ordered);
        Assert.Equal(5, saved.MaxPerSecond);
        var panel = _ui.Render<WebhooksPanel>(p => p.Add(c => c.Table, table));
        panel.WaitForAssertion(() => Assert.Equal("≤ 5/s", panel.Find("[data-testid=webhook-rate]").TextContent.Trim()));
        Assert.NotEmpty(panel.FindAll("[data-testid=webhook-ordered]"));

        // Reopened, the panel is open with both; clearing the limit and turning order off saves both.
        var (again, reopened) = await OpenAsync(table, await Webhooks.GetAsync(saved.Id));
        again.Find("#webhook-ordered input, input#webhook-ordered").Change(false);
        again.Find("#webhook-max-per-second input, input#webhook-max-per-second").Change("");
        again.Find("#webhook-save").Click();
        var cleared = Assert.IsType<WebhookDto>((await reopened.WaitAsync(TimeSpan.FromSeconds(30)))!.Data);
        Assert.False(cleared.Ordered);
        Assert.Null(cleared.MaxPerSecond);
    }

    [Fact]
    public async Task TypingMoreThanTheLimit_IsClampedToIt()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var (provider, result) = await OpenAsync(table);
        provider.Find("#webhook-name input, input#webhook-name").Change("Too fast");
        provider.Find("#webhook-url input, input#webhook-url").Input("https://example.com/fast");
        provider.Find("#webhook-delivery-panel .mud-expand-panel-header").Click();
        provider.WaitForElement("#webhook-max-per-second input, input#webhook-max-per-second").Change("5000");
        provider.Find("#webhook-save").Click();

        var saved = Assert.IsType<WebhookDto>((await result.WaitAsync(TimeSpan.FromSeconds(30)))!.Data);
        Assert.Equal(WebhookRules.MaxPerSecondLimit, saved.MaxPerSecond);
    }

    [Fact]
    public async Task WhatWillMyReceiverGet_ShowsTheChosenEventsExampleAndSchema()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var (provider, _) = await OpenAsync(table);
        provider.Find("#webhook-catalog-panel .mud-expand-panel-header").Click();

        var body = provider.WaitForElement("#event-catalog-body");
        Assert.Contains("\"name\": \"record.created\"", body.TextContent);
        Assert.Contains("rec_example", body.TextContent);
        // The default events are created, updated and deleted: one chip each.
        Assert.Equal(3, provider.FindAll("[data-catalog-event]").Count);
        provider.Find("[data-catalog-event='record.updated']").Click();
        provider.WaitForAssertion(() => Assert.Contains("\"previous\"", provider.Find("#event-catalog-body").TextContent));
        provider.FindAll("#event-catalog-view button").Single(b => b.TextContent.Contains("JSON Schema")).Click();
        provider.WaitForAssertion(() => Assert.Contains("json-schema.org", provider.Find("#event-catalog-body").TextContent));
    }
}
