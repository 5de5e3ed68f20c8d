using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;
using Undb.Features.Webhooks.Outbound.Components;
using Undb.Features.Webhooks.Outbound.Templates;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound.Components;

/// <summary>The dialog's Payload panel: presets, a custom template with its live preview from a real record, errors, and saving.</summary>
public sealed class PayloadEditorUiTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
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

    private async Task ChooseAsync(IRenderedComponent<MudDialogProvider> provider, string select, string item)
    {
        await provider.Find($".{select} .mud-input-control-input-container").MouseDownAsync(new());
        await _ui.Popovers.WaitForElements(".mud-list-item", Patience).First(i => i.TextContent.Trim() == item).ClickAsync(new());
    }

    [Fact]
    public async Task TheSlackPreset_PreviewsTheLatestRecord_AndIsSaved()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var record = await factory.Services.GetRequiredService<RecordService>().CreateAsync(table.Id, TablesSeed.Input("""{"Deal": "Globex", "Value": 42}"""), null);
        var (provider, result) = await OpenAsync(table);
        provider.Find("#webhook-name input, input#webhook-name").Change("Slack");
        provider.Find("#webhook-url input, input#webhook-url").Input("https://hooks.slack.com/services/T/B/X");
        Assert.Contains("Payload: standard JSON event", provider.Markup);
        provider.Find("#webhook-payload-panel .mud-expand-panel-header").Click();

        // The standard payload, built from the record changed last.
        var preview = provider.WaitForElement("#webhook-payload-preview", Patience);
        Assert.Contains("Globex", preview.TextContent);
        Assert.Contains(record.Id, provider.Find("#webhook-payload-source").TextContent);

        await ChooseAsync(provider, "payload-preset", "Slack");
        provider.WaitForAssertion(() => Assert.Contains("Payload: Slack", provider.Markup), Patience);
        provider.WaitForAssertion(() =>
        {
            var text = provider.Find("#webhook-payload-preview").TextContent;
            Assert.Contains("\"text\": \"record.created in " + table.Name + ": " + record.Id, text);
            Assert.Contains("Deal: Globex", text);
        }, Patience);
        Assert.Contains("hooks.slack.com", provider.Find("#webhook-payload-hint").TextContent);
        provider.Find("#webhook-save").Click();

        var saved = Assert.IsType<WebhookDto>((await result.WaitAsync(Patience))!.Data);
        Assert.Equal(PayloadPresets.Slack.Template, saved.PayloadTemplate);
        Assert.Equal(PayloadContentTypes.Json, saved.ContentType);
    }

    [Fact]
    public async Task ACustomTemplate_PreviewsAsYouType_ABrokenOneSaysWhy_AndSavingIsRefused()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        await factory.Services.GetRequiredService<RecordService>().CreateAsync(table.Id, TablesSeed.Input("""{"Deal": "Initech"}"""), null);
        var (provider, result) = await OpenAsync(table);
        provider.Find("#webhook-name input, input#webhook-name").Change("Custom");
        provider.Find("#webhook-url input, input#webhook-url").Input("https://example.com/custom");
        provider.Find("#webhook-payload-panel .mud-expand-panel-header").Click();
        provider.WaitForElement(".payload-preset", Patience);
        await ChooseAsync(provider, "payload-preset", "Custom template");

        // The starter template is there, and renders.
        var field = provider.WaitForElement("#webhook-payload-template", Patience);
        Assert.Contains("{{ record | json }}", field.TextContent + field.GetAttribute("value"));
        provider.WaitForAssertion(() => Assert.Contains("\"Deal\": \"Initech\"", provider.Find("#webhook-payload-preview").TextContent), Patience);

        // Text as the body: shown as rendered.
        await ChooseAsync(provider, "payload-content-type", "text/plain");
        provider.Find("#webhook-payload-template").Input("New deal: {{ record.Deal | upcase }}");
        provider.WaitForAssertion(() => Assert.Equal("New deal: INITECH", provider.Find("#webhook-payload-preview").TextContent), Patience);

        // Broken: the preview says where and why, and saving is refused with the message next to the field.
        provider.Find("#webhook-payload-template").Input("New deal: {{ record.Deal ");
        provider.WaitForAssertion(() => Assert.Contains("line 1, column", provider.Find("#webhook-payload-preview-error").TextContent), Patience);
        provider.Find("#webhook-save").Click();
        provider.WaitForAssertion(() => Assert.Contains("For record.created: The template does not parse at line 1", provider.Find("#webhook-payload-panel").TextContent), Patience);
        Assert.False(result.IsCompleted);
        Assert.Empty(await Webhooks.ListAsync(table.Id));

        // Back to the standard payload: saved without a template.
        await ChooseAsync(provider, "payload-preset", "Standard JSON event");
        provider.Find("#webhook-save").Click();
        var saved = Assert.IsType<WebhookDto>((await result.WaitAsync(Patience))!.Data);
        Assert.Null(saved.PayloadTemplate);
    }

    [Fact]
    public async Task ReopeningATemplatedWebhook_ShowsItsTemplate_AndClearingItGoesBackToStandard()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await Webhooks.CreateAsync(table.Id, new WebhookRequest("Thin", "https://example.com/thin", "POST", [WebhookEvents.Created], null, null, null)
            { PayloadTemplate = PayloadPresets.Thin.Template }, null);
        var (provider, result) = await OpenAsync(table, created.Webhook);
        // Open at once: the webhook has a template.
        provider.WaitForAssertion(() => Assert.Contains("recordId", provider.Find("#webhook-payload-preview").TextContent), Patience);
        Assert.Contains("Payload: Thin (ids only)", provider.Markup);
        provider.Find("#webhook-payload-template").Input("");
        provider.Find("#webhook-save").Click();
        var saved = Assert.IsType<WebhookDto>((await result.WaitAsync(Patience))!.Data);
        Assert.Null(saved.PayloadTemplate);
        Assert.Null((await Webhooks.GetAsync(created.Webhook.Id))!.PayloadTemplate);
    }
}
