using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>
/// A paused webhook holds its deliveries (issue 17, item 3): written in the record's transaction as held, never sent,
/// sent oldest first or discarded on resume, capped per webhook by the sweeper, and visible in the API.
/// </summary>
[Trait("Engines", "Both")]
public sealed class HeldDeliveriesTests(HeldDeliveriesTests.Factory factory) : IClassFixture<HeldDeliveriesTests.Factory>, IAsyncLifetime
{
    /// <summary>One request at a time per webhook, so arrival order is dispatch order; a small cap to reach.</summary>
    public sealed class Factory : OutboundFactory
    {
        public const int Cap = 3;

        public Factory()
        {
            Settings["Webhooks:MaxConcurrencyPerWebhook"] = "1";
            Settings["Webhooks:MaxHeldPerWebhook"] = Cap.ToString();
        }
    }

    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private HttpClient Api { get; } = factory.CreateApiClient();

    private IDbContextFactory<AppDbContext> DbFactory => factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private async Task<(string TableId, string WebhookId)> PausedWebhookAsync()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var (webhookId, _) = await Api.CreateWebhookAsync(table.Id, new { name = "CRM", url = _receiver.Url, events = new[] { "record.created" } });
        await Api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{webhookId}", new { enabled = false });
        return (table.Id, webhookId);
    }

    private async Task<string> CreateRecordAsync(string tableId, string deal) =>
        (await Api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{tableId}/records", new { values = new { Deal = deal } }))["id"]!.GetValue<string>();

    private async Task<List<DeliveryEntity>> DeliveriesAsync(string webhookId)
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        return await db.Deliveries.AsNoTracking().Where(d => d.WebhookId == webhookId).OrderBy(d => d.Id).ToListAsync();
    }

    private static string Deal(ReceivedRequest request) => request.Payload()["event"]!["record"]!["Deal"]!.GetValue<string>();

    /// <summary>A held delivery is never settled while the webhook is off, so nothing told an open history page about it.</summary>
    [Fact]
    public async Task AHeldDelivery_IsAnnounced_SoAnOpenHistoryShowsIt()
    {
        var (tableId, webhookId) = await PausedWebhookAsync();
        var heard = new TaskCompletionSource<DeliveryChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = factory.Services.GetRequiredService<DeliveryNotifier>().Subscribe(webhookId, change =>
        {
            if (change.Status == DeliveryStatus.Held)
            {
                heard.TrySetResult(change);
            }
            return Task.CompletedTask;
        });

        await CreateRecordAsync(tableId, "Acme");

        // A hang guard, not a timing bound: the change is published after the record's commit.
        var change = await heard.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(webhookId, change.WebhookId);
    }

    [Fact]
    public async Task WhilePaused_ChangesAreWrittenHeld_NeverSent_AndListedAsHeld()
    {
        var (tableId, webhookId) = await PausedWebhookAsync();

        var recordId = await CreateRecordAsync(tableId, "Acme");
        await factory.Services.Worker().SweepOnceAsync(CancellationToken.None);

        var held = Assert.Single(await DeliveriesAsync(webhookId));
        Assert.Equal((DeliveryStatus.Held, recordId, (string?)null, 0), (held.Status, held.RecordId, held.LeaseToken, held.AttemptCount));
        Assert.Empty(_receiver.Requests);
        var webhook = await Api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}");
        Assert.Equal(1, webhook["stats"]!["held"]!.GetValue<int>());
        Assert.Equal(0, webhook["stats"]!["heldCancelled"]!.GetValue<int>());
        // Nothing was attempted, so the webhook's health has nothing to count.
        Assert.Equal(0, webhook["consecutiveFailures"]!.GetValue<int>());
        Assert.Null(webhook["failingSince"]);
        var list = await Api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries?status=held");
        Assert.Equal(("held", 1), (list["items"]![0]!["status"]!.GetValue<string>(), list["total"]!.GetValue<int>()));
        Assert.Null(list["items"]![0]!["nextAttemptAt"]);
    }

    [Fact]
    public async Task Resume_SendsWhatWasHeld_InCommitOrder()
    {
        var (tableId, webhookId) = await PausedWebhookAsync();
        foreach (var deal in new[] { "first", "second", "third" })
        {
            await CreateRecordAsync(tableId, deal);
        }

        var resumed = await Api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{webhookId}/resume", new { held = "send" });

        Assert.Equal(("send", 3), (resumed["held"]!.GetValue<string>(), resumed["count"]!.GetValue<int>()));
        var requests = await _receiver.WaitForAsync(r => r.Count(x => x.Path == "/hook") >= 3);
        Assert.Equal(["first", "second", "third"], requests.Select(Deal));
        var webhook = await Api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}");
        Assert.True(webhook["enabled"]!.GetValue<bool>());
        Assert.Equal(0, webhook["stats"]!["held"]!.GetValue<int>());
    }

    [Fact]
    public async Task PatchEnabledTrue_ResumesAndSends_PatchEnabledFalse_HoldsWhatWasStillPending()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        // A receiver that fails: the first attempt leaves the delivery pending for a retry minutes away.
        _receiver.Respond = (_, ctx) => { ctx.Response.StatusCode = 500; return Task.CompletedTask; };
        var (webhookId, _) = await Api.CreateWebhookAsync(table.Id, new { name = "flaky", url = _receiver.Url, events = new[] { "record.created" } });
        using var signals = new DeliverySignals(factory.Services);
        await CreateRecordAsync(table.Id, "Acme");
        var failed = await signals.NextAsync(c => c.WebhookId == webhookId && c.Status == DeliveryStatus.Pending);

        await Api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{webhookId}", new { enabled = false });
        var held = Assert.Single(await DeliveriesAsync(webhookId));
        Assert.Equal((failed.DeliveryId, DeliveryStatus.Held, 1), (held.Id, held.Status, held.AttemptCount));

        _receiver.Respond = (_, ctx) => { ctx.Response.StatusCode = 204; return Task.CompletedTask; };
        await Api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{webhookId}", new { enabled = true });
        var sent = await signals.NextAsync(c => c.DeliveryId == held.Id && c.Status is DeliveryStatus.Succeeded or DeliveryStatus.Failed);
        Assert.Equal(DeliveryStatus.Succeeded, sent.Status);
    }

    [Fact]
    public async Task ResumeWithDiscard_CancelsWhatWasHeld_SendsNothing_AndTheyCanStillBeReplayed()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var (tableId, webhookId) = await PausedWebhookAsync();
        await CreateRecordAsync(tableId, "Acme");
        await CreateRecordAsync(tableId, "Globex");

        var resumed = await Api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{webhookId}/resume", new { held = "discard" });

        Assert.Equal(("discard", 2), (resumed["held"]!.GetValue<string>(), resumed["count"]!.GetValue<int>()));
        var deliveries = await DeliveriesAsync(webhookId);
        Assert.All(deliveries, d => Assert.Equal((DeliveryStatus.Cancelled, HeldDeliveries.DiscardedError), (d.Status, d.LastError)));
        Assert.All(deliveries, d => Assert.NotNull(d.CompletedAt));
        Assert.True((await Api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}"))["enabled"]!.GetValue<bool>());

        // A change after the resume is sent; the discarded ones are not, until someone replays them.
        await CreateRecordAsync(tableId, "Initech");
        var first = await _receiver.WaitForCountAsync(1);
        Assert.Equal("Initech", Deal(first[0]));
        var replay = await Api.PostAsJsonAsync($"/api/webhooks/{webhookId}/replay", new { since = start, status = "cancelled" });
        Assert.Equal(2, (await replay.Content.ReadFromJsonAsync<ReplayResult>())!.Count);
        var all = await _receiver.WaitForCountAsync(3);
        Assert.Equal(["Acme", "Globex", "Initech"], all.Select(Deal).Order());
    }

    [Fact]
    public async Task MoreThanTheCapHeld_TheSweeperCancelsTheOldest_AndTheCardCountsThem()
    {
        var (tableId, webhookId) = await PausedWebhookAsync();
        var deals = new[] { "a", "b", "c", "d", "e" };
        var records = new List<string>();
        foreach (var deal in deals)
        {
            records.Add(await CreateRecordAsync(tableId, deal));
        }

        await factory.Services.GetRequiredService<HeldDeliveries>().EnforceAsync(CancellationToken.None);

        // The sweeper may have got there first: the outcome is the same either way.
        var deliveries = await DeliveriesAsync(webhookId);
        Assert.Equal(records, deliveries.Select(d => d.RecordId));
        Assert.Equal([DeliveryStatus.Cancelled, DeliveryStatus.Cancelled, DeliveryStatus.Held, DeliveryStatus.Held, DeliveryStatus.Held], deliveries.Select(d => d.Status));
        Assert.Contains("more than 3 deliveries were held", deliveries[0].LastError);
        var stats = (await Api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}"))["stats"]!;
        Assert.Equal((Factory.Cap, 2), (stats["held"]!.GetValue<int>(), stats["heldCancelled"]!.GetValue<int>()));

        // Resuming sends what is left and starts the count afresh.
        await Api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{webhookId}/resume", new { });
        var requests = await _receiver.WaitForCountAsync(3);
        Assert.Equal(["c", "d", "e"], requests.Select(Deal));
        Assert.Equal(0, (await Api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}"))["stats"]!["heldCancelled"]!.GetValue<int>());
    }

    [Fact]
    public async Task HeldDeliveriesOfAnEnabledWebhook_AreSentByTheSweeper()
    {
        // A change that read the webhook as paused just before a resume committed (possible where writes are not serialised).
        var table = await TablesSeed.DealsAsync(factory.Services);
        var (webhookId, _) = await Api.CreateWebhookAsync(table.Id, new { name = "CRM", url = _receiver.Url, events = new[] { "record.created" } });
        var now = DateTimeOffset.UtcNow;
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            db.Deliveries.Add(new DeliveryEntity
            {
                WebhookId = webhookId, TableId = table.Id, EventId = Ids.New("evt"), EventName = "record.created",
                Payload = """{"event":{"record":{"Deal":"late"}}}""", Status = DeliveryStatus.Held, NextAttemptAt = now, CreatedAt = now, UpdatedAt = now,
            });
            await db.SaveChangesAsync();
        }

        await factory.Services.GetRequiredService<HeldDeliveries>().EnforceAsync(CancellationToken.None);

        Assert.Equal("late", Deal((await _receiver.WaitForCountAsync(1))[0]));
    }

    [Fact]
    public async Task ResumeWithAnUnknownChoice_Is400WithTheField_AndChangesNothing()
    {
        var (tableId, webhookId) = await PausedWebhookAsync();
        await CreateRecordAsync(tableId, "Acme");

        var response = await Api.PostAsJsonAsync($"/api/webhooks/{webhookId}/resume", new { held = "later" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("send", problem["errors"]!["held"]![0]!.GetValue<string>());
        Assert.False((await Api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}"))["enabled"]!.GetValue<bool>());
        Assert.Equal(DeliveryStatus.Held, Assert.Single(await DeliveriesAsync(webhookId)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.PostAsJsonAsync("/api/webhooks/whk_missing/resume", new { held = "send" })).StatusCode);
    }

    [Fact]
    public async Task RedeliveringAHeldDelivery_IsRefused_ItWaitsForTheResume()
    {
        var (tableId, webhookId) = await PausedWebhookAsync();
        await CreateRecordAsync(tableId, "Acme");
        var held = Assert.Single(await DeliveriesAsync(webhookId));

        var response = await Api.PostAsync($"/api/deliveries/{held.Id}/redeliver", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Resume the webhook", (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        Assert.Empty(_receiver.Requests);
    }

    [Fact]
    public async Task HeldQueries_UseThePartialIndex()
    {
        // The shape HeldDeliveries uses: Status compared with the constant, so the planner can prove the index's filter.
        await using var db = await DbFactory.CreateDbContextAsync();
        var query = db.Deliveries.Where(d => d.Status == DeliveryStatus.Held && d.WebhookId == "whk_x").OrderByDescending(d => d.Id).Select(d => d.Id);
        Assert.Contains("'Held'", query.ToQueryString());
        var plan = await QueryPlans.ExplainAsync(db, query);
        Assert.Contains(plan, step => step.Contains("IX_Deliveries_Held"));
    }
}
