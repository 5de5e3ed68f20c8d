using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;
using Undb.Features.Webhooks.Outbound.Components;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound.Components;

/// <summary>The workspace webhooks page's panel and dialog: no table, tables left out, a condition on system fields only.</summary>
public sealed class WorkspaceWebhooksUiTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private readonly WebhooksUiContext _ui = new(factory);
    private IRenderedComponent<MudDialogProvider>? _provider;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ui.DisposeAsync();

    private WebhookService Webhooks => factory.Services.GetRequiredService<WebhookService>();

    private static WebhookRequest Request(string name, IReadOnlyList<string>? excluded = null) =>
        new(name, "https://example.com/hook", "POST", [WebhookEvents.Created], null, true, null, excluded);

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, Task<DialogResult?> Result)> OpenAsync(WebhookDto? existing = null)
    {
        var provider = _provider ??= _ui.RenderProviders();
        var dialogs = _ui.Services.GetRequiredService<IDialogService>();
        var parameters = new DialogParameters<WebhookDialog> { { d => d.Table, null }, { d => d.Existing, existing } };
        var reference = await provider.InvokeAsync(() => dialogs.ShowAsync<WebhookDialog>("Webhook", parameters));
        provider.WaitForElement("#webhook-form");
        return (provider, reference.Result);
    }

    [Fact]
    public async Task TheDialog_CreatesAWorkspaceWebhook_WithTablesToLeaveOut_AndNoCondition()
    {
        var (provider, result) = await OpenAsync();

        Assert.NotNull(provider.Find("#webhook-excluded"));
        Assert.Equal("Condition (optional)", provider.Find("#webhook-condition-panel .mud-expand-panel-header").TextContent.Trim());
        provider.Find("#webhook-name input, input#webhook-name").Change("Everything");
        provider.Find("#webhook-url input, input#webhook-url").Input("https://example.com/all");
        provider.Find("#webhook-save").Click();

        var saved = Assert.IsType<WebhookDto>((await result.WaitAsync(TimeSpan.FromSeconds(30)))!.Data);
        Assert.Null(saved.TableId);
        Assert.Contains(await Webhooks.ListWorkspaceAsync(), w => w.Id == saved.Id && w.Name == "Everything");
    }

    [Fact]
    public async Task TheCondition_OffersSystemFieldsOnly_AndIsSaved()
    {
        var (provider, result) = await OpenAsync();
        provider.Find("#webhook-name input, input#webhook-name").Change("Not the bot");
        provider.Find("#webhook-url input, input#webhook-url").Input("https://example.com/all");
        provider.Find("#webhook-condition-panel .mud-expand-panel-header").Click();
        provider.WaitForElement("#condition-system-help");
        Assert.Empty(provider.FindAll("#condition-changed-fields"));
        provider.Find("#condition-add").Click();
        // The first system field, tableName, is chosen; "is not" a value.
        var row = provider.WaitForElement("[data-testid=condition-row]");
        Assert.NotNull(row.QuerySelector("[data-field-id=tableName]"));
        provider.Find(".condition-value input").Change("Internal");
        provider.Find("#webhook-save").Click();

        var saved = Assert.IsType<WebhookDto>((await result.WaitAsync(TimeSpan.FromSeconds(30)))!.Data);
        var filter = Assert.Single(saved.Condition!.Filters!);
        Assert.Equal(("tableName", "is", "Internal"), (filter.Field, filter.Operator, filter.Value!.GetValue<string>()));

        // Reopened, it shows; emptied, it is gone.
        var (again, reopened) = await OpenAsync(await Webhooks.GetAsync(saved.Id));
        // Open at once: the webhook has a condition.
        again.WaitForElement(".condition-remove").Click();
        again.Find("#webhook-save").Click();
        var cleared = Assert.IsType<WebhookDto>((await reopened.WaitAsync(TimeSpan.FromSeconds(30)))!.Data);
        Assert.Null(cleared.Condition);
    }

    [Fact]
    public async Task SavingAgain_KeepsTheTablesLeftOut_AndDropsOnesDeletedSince()
    {
        var kept = await TablesSeed.DealsAsync(factory.Services, "Kept out");
        var gone = await TablesSeed.DealsAsync(factory.Services, "Deleted later");
        var created = (await Webhooks.CreateAsync(null, Request("Most tables", [kept.Id, gone.Id]), null)).Webhook;
        await factory.Services.GetRequiredService<TableService>().DeleteAsync(gone.Id, null);

        var (provider, result) = await OpenAsync(await Webhooks.GetAsync(created.Id));
        provider.Find("#webhook-name input, input#webhook-name").Change("Most tables, renamed");
        provider.Find("#webhook-save").Click();

        var saved = Assert.IsType<WebhookDto>((await result.WaitAsync(TimeSpan.FromSeconds(30)))!.Data);
        Assert.Equal("Most tables, renamed", saved.Name);
        Assert.Equal([kept.Id], saved.ExcludedTableIds);
    }

    [Fact]
    public async Task ThePanel_ListsWorkspaceWebhooks_AndATablesTabSaysWhichAlsoCoverIt()
    {
        var covered = await TablesSeed.DealsAsync(factory.Services, "Covered");
        var left = await TablesSeed.DealsAsync(factory.Services, "Left out");
        var workspace = (await Webhooks.CreateAsync(null, Request("Workspace-wide", [left.Id]), null)).Webhook;
        var own = (await Webhooks.CreateAsync(covered.Id, Request("Own"), null)).Webhook;

        _ui.RenderProviders();
        var page = _ui.Render<WebhooksPanel>();
        page.WaitForAssertion(() => Assert.Contains(page.FindAll("[data-testid=webhook-name]"), n => n.TextContent == "Workspace-wide"));
        Assert.DoesNotContain(page.FindAll("[data-testid=webhook-name]"), n => n.TextContent == own.Name);
        Assert.Contains("Workspace webhooks", page.Markup);

        var tab = _ui.Render<WebhooksPanel>(p => p.Add(c => c.Table, covered));
        tab.WaitForAssertion(() => Assert.Contains("workspace webhook", tab.Find("#webhooks-workspace-note").TextContent));
        var count = (await Webhooks.ListWorkspaceAsync()).Count(w => !w.ExcludedTableIds.Contains(covered.Id));
        Assert.Contains(count == 1 ? "1 workspace webhook" : $"{count} workspace webhooks", tab.Find("#webhooks-workspace-note").TextContent);

        // Other tests' workspace webhooks may cover it too; the one that leaves it out is not counted.
        var leftCount = (await Webhooks.ListWorkspaceAsync()).Count(w => !w.ExcludedTableIds.Contains(left.Id));
        Assert.Equal(count - 1, leftCount);
        var leftTab = _ui.Render<WebhooksPanel>(p => p.Add(c => c.Table, left));
        leftTab.WaitForElement("#webhooks-empty");
        if (leftCount == 0)
        {
            Assert.Empty(leftTab.FindAll("#webhooks-workspace-note"));
        }
        else
        {
            Assert.Contains(leftCount == 1 ? "1 workspace webhook" : $"{leftCount} workspace webhooks", leftTab.Find("#webhooks-workspace-note").TextContent);
        }
        await Webhooks.DeleteAsync(workspace.Id);
    }
}
