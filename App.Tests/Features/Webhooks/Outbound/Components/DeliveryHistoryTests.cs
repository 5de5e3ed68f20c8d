using Bunit;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Undb.Components.Shared;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Features.Webhooks.Outbound.Components;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound.Components;

/// <summary>
/// The first retry comes 10 minutes after a failure, so no scheduled retry adds attempts while a test counts them
/// (the default 5 s is not long on a loaded machine).
/// </summary>
public sealed class SlowRetryFactory : OutboundFactory
{
    public SlowRetryFactory() => Settings["Webhooks:RetrySchedule:0"] = "00:10:00";
}

public sealed class DeliveryHistoryTests(SlowRetryFactory factory) : IClassFixture<SlowRetryFactory>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly WebhooksUiContext _ui = new(factory);
    private LoopbackReceiver _receiver = null!;
    private DeliverySignals _signals = null!;

    public async Task InitializeAsync()
    {
        _receiver = await LoopbackReceiver.StartAsync();
        // Records whose Deal says "fail" get a 500; everything else a 200.
        _receiver.Respond = async (request, ctx) =>
        {
            ctx.Response.StatusCode = request.Body.Contains("\"fail", StringComparison.Ordinal) && !AllOk ? 500 : 200;
            await ctx.Response.WriteAsync(ctx.Response.StatusCode == 200 ? "{\"ok\":true}" : "boom");
        };
        _signals = new DeliverySignals(factory.Services);
    }

    public async Task DisposeAsync()
    {
        _signals.Dispose();
        await _ui.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private volatile bool _allOk;

    private bool AllOk => _allOk;

    private async Task<(string TableId, string WebhookId)> WebhookAsync()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await factory.Services.GetRequiredService<WebhookService>().CreateAsync(table.Id,
            new WebhookRequest("History", _receiver.Url, "POST", [WebhookEvents.Created], null, true, null), null);
        return (table.Id, created.Webhook.Id);
    }

    /// <summary>Creates a record through the REST API and waits until its delivery settles in <paramref name="status"/>.</summary>
    private async Task<string> CreateRecordAsync(string tableId, string webhookId, string deal, DeliveryStatus status)
    {
        var record = await factory.CreateApiClient().SendJsonAsync(HttpMethod.Post, $"/api/tables/{tableId}/records", new { values = new { Deal = deal } });
        await _signals.NextAsync(c => c.WebhookId == webhookId && c.Status == status);
        return record["id"]!.GetValue<string>();
    }

    private IRenderedComponent<MudDialogProvider> _dialogs = null!;

    private IRenderedComponent<DeliveriesPage> RenderPage(string webhookId)
    {
        _dialogs = _ui.RenderProviders();
        return _ui.Render<DeliveriesPage>(p => p.Add(c => c.WebhookId, webhookId));
    }

    private static IReadOnlyList<string> Column(IRenderedComponent<DeliveriesPage> cut, string testId) =>
        cut.FindAll($"#deliveries-grid [data-testid={testId}]").Select(e => e.TextContent.Trim()).ToList();

    [Fact]
    public async Task Grid_ShowsEachDelivery_WithEventRecordStatusAttemptsCodeAndDuration()
    {
        var (tableId, webhookId) = await WebhookAsync();
        var recordId = await CreateRecordAsync(tableId, webhookId, "Acme", DeliveryStatus.Succeeded);

        var cut = RenderPage(webhookId);

        cut.WaitForAssertion(() => Assert.Equal(["succeeded"], Column(cut, "delivery-status")), Patience);
        Assert.Equal([WebhookEvents.Created], Column(cut, "delivery-event"));
        Assert.Equal([recordId], Column(cut, "delivery-record"));
        Assert.Equal(["1"], Column(cut, "delivery-attempts"));
        Assert.Equal(["200"], Column(cut, "delivery-code"));
        Assert.Matches(@"^\d+(\.\d+)? (ms|s)$", Column(cut, "delivery-duration")[0]);
        Assert.Equal(["—"], Column(cut, "delivery-next"));
        cut.WaitForAssertion(() => Assert.Contains("1 delivery", cut.Find("#deliveries-total").TextContent));
    }

    [Fact]
    public async Task Grid_UpdatesLive_WhileOpen()
    {
        var (tableId, webhookId) = await WebhookAsync();
        var cut = RenderPage(webhookId);
        cut.WaitForElement("#deliveries-empty", Patience);

        await CreateRecordAsync(tableId, webhookId, "Live one", DeliveryStatus.Succeeded);

        cut.WaitForAssertion(() => Assert.Equal(["succeeded"], Column(cut, "delivery-status")), Patience);
    }

    [Fact]
    public async Task Filters_ByStatusAndRecord_AskTheServer()
    {
        var (tableId, webhookId) = await WebhookAsync();
        var okId = await CreateRecordAsync(tableId, webhookId, "Fine", DeliveryStatus.Succeeded);
        var failingId = await CreateRecordAsync(tableId, webhookId, "fail me", DeliveryStatus.Pending);
        var cut = RenderPage(webhookId);
        cut.WaitForAssertion(() => Assert.Equal(2, Column(cut, "delivery-status").Count), Patience);

        var status = cut.FindComponents<MudSelect<string>>().Single(s => s.Instance.UserAttributes.GetValueOrDefault("id") as string == "deliveries-filter-status");
        await cut.InvokeAsync(() => status.Instance.ValueChanged.InvokeAsync("pending"));

        cut.WaitForAssertion(() => Assert.Equal([failingId], Column(cut, "delivery-record")), Patience);
        Assert.Equal(["500"], Column(cut, "delivery-code"));
        Assert.NotEqual("—", Column(cut, "delivery-next")[0]);

        await cut.InvokeAsync(() => status.Instance.ValueChanged.InvokeAsync(null));
        var record = cut.FindComponents<MudTextField<string>>().Single(s => s.Instance.UserAttributes.GetValueOrDefault("id") as string == "deliveries-filter-record");
        await cut.InvokeAsync(() => record.Instance.ValueChanged.InvokeAsync(okId));

        cut.WaitForAssertion(() => Assert.Equal([okId], Column(cut, "delivery-record")), Patience);
    }

    [Fact]
    public async Task RowClick_OpensTheDetail_WithEveryAttempt_AndRedeliverAddsOne()
    {
        var (tableId, webhookId) = await WebhookAsync();
        await CreateRecordAsync(tableId, webhookId, "fail detail", DeliveryStatus.Pending);
        var cut = RenderPage(webhookId);
        cut.WaitForAssertion(() => Assert.Single(Column(cut, "delivery-status")), Patience);

        cut.Find("#deliveries-grid tbody tr.delivery-row td").Click();

        cut.WaitForElement("#delivery-detail [data-testid=attempt-view]", Patience);
        Assert.Contains("boom", cut.Find("[data-testid=attempt-response-body]").TextContent);
        Assert.Contains("\"name\": \"record.created\"", cut.Find("[data-testid=attempt-request-body]").TextContent);
        Assert.Contains("webhook-signature", cut.Find("[data-testid=attempt-request-headers]").TextContent);

        _allOk = true;
        cut.Find("#delivery-redeliver").Click();

        cut.WaitForAssertion(() => Assert.Equal("succeeded", cut.Find("#delivery-detail-status").TextContent.Trim()), Patience);
        Assert.Equal("2", cut.Find("#delivery-detail-attempts").TextContent.Trim());
        Assert.Equal(2, cut.FindAll("#delivery-detail [data-testid=attempt-view]").Count);
        cut.WaitForAssertion(() => Assert.Equal(["succeeded"], Column(cut, "delivery-status")), Patience);
    }

    [Fact]
    public async Task ReplayFailedSince_SaysHowManyFirst_ThenSendsThem()
    {
        var (tableId, webhookId) = await WebhookAsync();
        await CreateRecordAsync(tableId, webhookId, "fail replay", DeliveryStatus.Pending);
        // Stand-in for a retry schedule run to its end: the delivery is given up on.
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.Deliveries.Where(d => d.WebhookId == webhookId).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Failed));
        }
        var cut = RenderPage(webhookId);
        cut.WaitForAssertion(() => Assert.Equal(["failed"], Column(cut, "delivery-status")), Patience);

        cut.Find("#deliveries-replay").Click();

        _dialogs.WaitForAssertion(() => Assert.Contains("1 failed delivery will be sent again.", _dialogs.Find("#replay-count").TextContent), Patience);
        // The viewer's zone is not known here (no browser): the times are UTC, and say so.
        Assert.Contains("(UTC)", _dialogs.Find("#replay-intro").TextContent);
        _allOk = true;
        _dialogs.Find("#replay-confirm").Click();
        cut.WaitForAssertion(() => Assert.Equal(["succeeded"], Column(cut, "delivery-status")), Patience);
    }

    /// <summary>The history shows the viewer's local times; the replay's "since" used to be asked in UTC beside them.</summary>
    [Fact]
    public async Task ReplayFailedSince_AsksForADateAndTimeInTheViewersZone()
    {
        var (_, webhookId) = await WebhookAsync();
        var dialogs = _ui.RenderProviders();
        var tokyo = ViewerTime.For("Asia/Tokyo");
        await dialogs.InvokeAsync(() => _ui.Services.GetRequiredService<IDialogService>().ShowAsync<ReplayDialog>("Replay failed deliveries",
            new DialogParameters<ReplayDialog> { { d => d.WebhookId, webhookId }, { d => d.Viewer, tokyo } }));

        dialogs.WaitForAssertion(() => Assert.Contains("(your time, Asia/Tokyo)", dialogs.Find("#replay-intro").TextContent), Patience);
        Assert.DoesNotContain("UTC", dialogs.Find(".mud-dialog").TextContent);
    }
}
