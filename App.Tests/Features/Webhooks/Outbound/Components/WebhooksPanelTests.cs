using System.Text.Json.Nodes;
using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;
using Undb.Features.Webhooks.Outbound.Components;
using Undb.Features.Webhooks.Outbound.Templates;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound.Components;

public sealed class WebhooksPanelTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly WebhooksUiContext _ui = new(factory);
    private IRenderedComponent<MudDialogProvider> _dialogs = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ui.DisposeAsync();

    private WebhookService Webhooks => factory.Services.GetRequiredService<WebhookService>();

    private IRenderedComponent<WebhooksPanel> Render(TableSnapshot table)
    {
        _dialogs = _ui.RenderProviders();
        return _ui.Render<WebhooksPanel>(p => p.Add(c => c.Table, table));
    }

    private async Task<string> CreateAsync(TableSnapshot table, string name) =>
        (await Webhooks.CreateAsync(table.Id, new WebhookRequest(name, "https://example.com/hook", "POST", [WebhookEvents.Created, WebhookEvents.BulkDeleted], null, true, null), null)).Webhook.Id;

    [Fact]
    public async Task NoWebhooks_ShowsTheCallToAction()
    {
        var cut = Render(await TablesSeed.DealsAsync(factory.Services));

        cut.WaitForElement("#webhooks-empty");
        Assert.NotNull(cut.Find("#webhook-create-first"));
    }

    [Fact]
    public async Task Card_ShowsNameUrlEventsAndNoHealthYet()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        await CreateAsync(table, "CRM");

        var cut = Render(table);

        var card = cut.WaitForElement("[data-testid=webhook-card]");
        Assert.Equal("CRM", card.QuerySelector("[data-testid=webhook-name]")!.TextContent);
        Assert.Equal("https://example.com/hook", card.QuerySelector("[data-testid=webhook-url]")!.TextContent);
        Assert.Equal([WebhookEvents.Created, WebhookEvents.BulkDeleted], card.QuerySelectorAll("[data-testid=webhook-event]").Select(e => e.TextContent.Trim()));
        Assert.Contains("Nothing sent yet", card.TextContent);
        Assert.Contains("No requests in 24 h", card.QuerySelector("[data-testid=webhook-success-rate]")!.TextContent);
    }

    [Fact]
    public async Task Card_SaysWhenItHasAConditionOrACustomBody()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        await CreateAsync(table, "Plain");
        var condition = new WebhookCondition("and", [new ConditionFilter("Stage", ConditionOperators.Is, JsonValue.Create("Won")), new ConditionFilter("Value", ConditionOperators.Gt, JsonValue.Create(1000))], ["Stage"]);
        await Webhooks.CreateAsync(table.Id, new WebhookRequest("Won deals", "https://example.com/won", "POST", [WebhookEvents.Updated], null, true, condition)
        {
            PayloadTemplate = PayloadPresets.Thin.Template,
        }, null);

        var cut = Render(table);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=webhook-card]").Count), Patience);
        var plain = cut.FindAll("[data-testid=webhook-card]").Single(c => c.TextContent.Contains("Plain"));
        Assert.Null(plain.QuerySelector("[data-testid=webhook-condition]"));
        Assert.Null(plain.QuerySelector("[data-testid=webhook-template]"));
        var won = cut.FindAll("[data-testid=webhook-card]").Single(c => c.TextContent.Contains("Won deals"));
        Assert.Equal("if Stage is Won and Value > 1000; only when Stage changes", won.QuerySelector("[data-testid=webhook-condition]")!.TextContent.Trim());
        Assert.Equal("custom body", won.QuerySelector("[data-testid=webhook-template]")!.TextContent.Trim());
    }

    [Fact]
    public async Task AutoDisabledWebhook_ShowsTheReason_AndReEnablesInOneClick()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var id = await CreateAsync(table, "Gone");
        const string reason = "Disabled on 2026-11-22 10:00 UTC: the endpoint answered 410 Gone.";
        // What DeliveryProcessor writes when it disables a webhook.
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.Webhooks.Where(w => w.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(w => w.Enabled, false).SetProperty(w => w.DisabledReason, reason).SetProperty(w => w.DisabledAt, DateTimeOffset.UtcNow));
        }

        var cut = Render(table);

        cut.WaitForAssertion(() => Assert.Equal("Disabled", cut.Find("[data-testid=webhook-badge]").TextContent.Trim()));
        Assert.Contains(reason, cut.Find("[data-testid=webhook-disabled-reason]").TextContent);
        cut.Find("[data-testid=webhook-reenable]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=webhook-badge]")), Patience);
        var after = await Webhooks.GetAsync(id);
        Assert.True(after.Enabled);
        Assert.Null(after.DisabledReason);
    }

    [Fact]
    public async Task Duplicate_MakesAPausedCopy()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        await CreateAsync(table, "Original");
        var cut = Render(table);
        cut.WaitForElement("[data-testid=webhook-card]");

        await cut.InvokeAsync(() => cut.FindComponent<WebhookCard>().Instance.Action.InvokeAsync((cut.FindComponent<WebhookCard>().Instance.Webhook, WebhookAction.Duplicate)));

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=webhook-card]").Count), Patience);
        var copy = (await Webhooks.ListAsync(table.Id)).Single(w => w.Name == "Original (copy)");
        Assert.False(copy.Enabled);
        Assert.Equal([WebhookEvents.Created, WebhookEvents.BulkDeleted], copy.Events);
        Assert.Contains("Paused", cut.FindAll("[data-testid=webhook-card]")[1].TextContent);
    }

    [Fact]
    public async Task Delete_AsksFirst_AndCancelKeepsIt()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        await CreateAsync(table, "Keep or not");
        var cut = Render(table);
        cut.WaitForElement("[data-testid=webhook-card]");
        var card = cut.FindComponent<WebhookCard>().Instance;

        var deleting = cut.InvokeAsync(() => card.Action.InvokeAsync((card.Webhook, WebhookAction.Delete)));
        _dialogs.WaitForAssertion(() => Assert.Contains("Delete this webhook?", _dialogs.Markup));
        _dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        await deleting;
        Assert.Single(await Webhooks.ListAsync(table.Id));

        deleting = cut.InvokeAsync(() => card.Action.InvokeAsync((card.Webhook, WebhookAction.Delete)));
        _dialogs.WaitForAssertion(() => Assert.Contains("Delete this webhook?", _dialogs.Markup));
        _dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").Click();
        await deleting;
        Assert.Empty(await Webhooks.ListAsync(table.Id));
        cut.WaitForElement("#webhooks-empty");
    }

    private async Task PauseWithHeldAsync(TableSnapshot table, string webhookId, int changes)
    {
        await Webhooks.UpdateAsync(webhookId, new WebhookRequest(null, null, null, null, null, false, null), setCondition: false);
        var api = factory.CreateApiClient();
        for (var i = 0; i < changes; i++)
        {
            await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = $"Deal {i}" } });
        }
    }

    [Fact]
    public async Task PausedWebhook_CountsHeldChangesLive()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var id = await CreateAsync(table, "CRM");
        await Webhooks.UpdateAsync(id, new WebhookRequest(null, null, null, null, null, false, null), setCondition: false);
        var cut = Render(table);
        cut.WaitForAssertion(() => Assert.Contains("changes are held", cut.Find("[data-testid=webhook-held-note]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=webhook-held]"));

        // A record created elsewhere while the panel is open: its held delivery shows up without a reload.
        await factory.CreateApiClient().SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Acme" } });

        cut.WaitForAssertion(() => Assert.Equal("1 held", cut.Find("[data-testid=webhook-held]").TextContent.Trim()), Patience);
    }

    [Fact]
    public async Task Resume_WithHeldChanges_AsksToSendOrDiscard_CancelLeavesItPaused()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var id = await CreateAsync(table, "CRM");
        await PauseWithHeldAsync(table, id, 2);
        var cut = Render(table);
        cut.WaitForAssertion(() => Assert.Equal("2 held", cut.Find("[data-testid=webhook-held]").TextContent.Trim()));
        var card = cut.FindComponent<WebhookCard>().Instance;
        IElement Switch() => cut.Find("[data-testid=webhook-enabled] input, input[data-testid=webhook-enabled]");

        // Switched on: while it asks, the switch still shows off (nothing has been resumed yet), and stays off on Cancel.
        Assert.False(Switch().HasAttribute("checked"));
        var resuming = cut.InvokeAsync(() => Switch().ChangeAsync(new ChangeEventArgs { Value = true }));
        _dialogs.WaitForAssertion(() => Assert.Contains("It holds 2 held changes made while it was off", _dialogs.Markup));
        cut.WaitForAssertion(() => Assert.False(Switch().HasAttribute("checked")));
        _dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        await resuming;
        Assert.False((await Webhooks.GetAsync(id)).Enabled);
        cut.WaitForAssertion(() => Assert.False(Switch().HasAttribute("checked")));

        resuming = cut.InvokeAsync(() => card.Action.InvokeAsync((card.Webhook, WebhookAction.Resume)));
        _dialogs.WaitForAssertion(() => Assert.Contains("Send 2 held", _dialogs.Markup));
        _dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Discard held").Click();
        await resuming;

        var after = await Webhooks.GetAsync(id);
        Assert.Equal((true, 0), (after.Enabled, after.Stats.Held));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=webhook-held]")), Patience);
        Assert.Contains(_ui.Services.GetRequiredService<ISnackbar>().ShownSnackbars, b => b.Message?.Contains("2 held changes discarded") == true);
    }
}
