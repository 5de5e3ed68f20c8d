using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>The UI's read-side extras: health over 24 h, the replay count and attempt durations.</summary>
[Trait("Engines", "Both")]
public sealed class WebhookHealthServiceTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private WebhookService Webhooks => factory.Services.GetRequiredService<WebhookService>();

    private WebhookHealthService Health => factory.Services.GetRequiredService<WebhookHealthService>();

    [Fact]
    public async Task Health_CountsTheWebhooksTrafficInTheWindow_NotTestSends_AndReportsTheNewestDelivery()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var id = (await Webhooks.CreateAsync(table.Id, new WebhookRequest("h", _receiver.Url, "POST", [WebhookEvents.Created], null, true, null), null)).Webhook.Id;
        var fresh = await Health.ForWebhooksAsync([id]);
        Assert.Equal((null, null, 0), (fresh[id].LastStatus, fresh[id].SuccessRate, fresh[id].AttemptsInWindow));

        // Test sends are checks the user reads in the dialog, not traffic: like the failure streak, the rate leaves
        // them out (a card read "0 % of 2 requests succeeded" beside "1 failed request in a row").
        _receiver.Respond = (_, ctx) => { ctx.Response.StatusCode = StatusCodes.Status500InternalServerError; return Task.CompletedTask; };
        await Webhooks.SendTestAsync(id, null);
        await Webhooks.SendTestAsync(id, null);
        var afterTests = (await Health.ForWebhooksAsync([id]))[id];
        Assert.Equal((0, null), (afterTests.AttemptsInWindow, afterTests.SuccessRate));
        Assert.Equal(500, afterTests.LastStatusCode); // the newest delivery is still the last test

        // A record's delivery is traffic, and counts.
        _receiver.Respond = (_, ctx) => { ctx.Response.StatusCode = StatusCodes.Status200OK; return Task.CompletedTask; };
        using var signals = new DeliverySignals(factory.Services);
        await factory.CreateApiClient().SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "x" } });
        await signals.NextAsync(c => c.WebhookId == id && c.DeliveryId is not null && c.Status == DeliveryStatus.Succeeded);

        var health = (await Health.ForWebhooksAsync([id]))[id];
        Assert.Equal(1, health.AttemptsInWindow);
        Assert.Equal(1.0, health.SuccessRate);
        Assert.Equal("succeeded", health.LastStatus);
        Assert.Equal(200, health.LastStatusCode);
    }

    [Fact]
    public async Task CountReplayable_MatchesWhatReplayQueues()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var id = (await Webhooks.CreateAsync(table.Id, new WebhookRequest("r", _receiver.Url, "POST", [WebhookEvents.Created], null, true, null), null)).Webhook.Id;
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        _receiver.Respond = (_, ctx) => { ctx.Response.StatusCode = StatusCodes.Status500InternalServerError; return Task.CompletedTask; };
        // A failed test send is never replayed, so it must not be counted either.
        await Webhooks.SendTestAsync(id, null);
        using var signals = new DeliverySignals(factory.Services);
        await factory.CreateApiClient().SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "x" } });
        await signals.NextAsync(c => c.WebhookId == id && c.Status == DeliveryStatus.Pending && c.DeliveryId is not null);
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.Deliveries.Where(d => d.WebhookId == id && d.EventName != WebhookEvents.Test)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Failed));
        }

        var counted = await Health.CountReplayableAsync(id, since);

        Assert.Equal(1, counted);
        Assert.Equal(0, await Health.CountReplayableAsync(id, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal(counted, await Webhooks.ReplayAsync(id, since, DeliveryStatus.Failed));
    }

    [Fact]
    public async Task LastDurations_GiveTheLatestAttemptOfEachDelivery()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var id = (await Webhooks.CreateAsync(table.Id, new WebhookRequest("d", _receiver.Url, "POST", [WebhookEvents.Created], null, true, null), null)).Webhook.Id;
        var attempt = await Webhooks.SendTestAsync(id, null);
        var again = await Webhooks.RedeliverAsync(attempt.DeliveryId);

        var durations = await Health.LastDurationsAsync([attempt.DeliveryId, "dlv_missing"]);

        Assert.Equal(again.DurationMs, Assert.Single(durations).Value);
    }
}
