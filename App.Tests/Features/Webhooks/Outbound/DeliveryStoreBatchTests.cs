using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>
/// Claims and settlements in batches: each delivery is claimed and settled as if alone, and the webhook's health
/// folds the attempts in order. The tests hold the write gate while they submit, so the requests gather into one batch.
/// </summary>
[Trait("Engines", "Both")]
public sealed class DeliveryStoreBatchTests(OutboundFactory factory) : IClassFixture<OutboundFactory>
{
    private IDbContextFactory<AppDbContext> DbFactory => factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private Task<(WebhookEntity Webhook, List<DeliveryEntity> Rows)> InFlightAsync(int count)
    {
        var now = DateTimeOffset.UtcNow;
        return factory.SeedInFlightAsync(now, Enumerable.Range(0, count).Select(i => ("token" + i, now.AddMinutes(5))).ToArray());
    }

    private static SettleRequest Finished(WebhookEntity webhook, DeliveryEntity delivery, int status, string? token = null) =>
        new(webhook, delivery, new SendResult(new DeliveryAttemptEntity
        {
            DeliveryId = delivery.Id, WebhookId = webhook.Id, Number = 1, Trigger = AttemptTrigger.Scheduled, StartedAt = DateTimeOffset.UtcNow,
            RequestMethod = "POST", RequestUrl = webhook.Url, RequestBody = "{}", ResponseStatus = status,
            Succeeded = status is >= 200 and < 300, Error = status >= 300 ? $"The endpoint answered {status}." : null,
        }, null), token ?? delivery.LeaseToken!, DeliveryStatus.Pending);

    private async Task<bool[]> SettleInOneBatchAsync(params SettleRequest[] requests)
    {
        var store = factory.Services.GetRequiredService<DeliveryStore>();
        return await Task.WhenAll(await WriteGateBatches.StartWhileHeldAsync(factory.Services, requests.Select(r => (Func<Task<bool>>)(() => store.SettleAsync(r))).ToArray()));
    }

    [Fact]
    public async Task FailSucceedFailFail_SettlesEachDelivery_AndLeavesAStreakOfTwo()
    {
        var (webhook, d) = await InFlightAsync(4);

        var settled = await SettleInOneBatchAsync(
            Finished(webhook, d[0], 500), Finished(webhook, d[1], 204), Finished(webhook, d[2], 503), Finished(webhook, d[3], 500));

        Assert.All(settled, Assert.True);
        await using var db = await DbFactory.CreateDbContextAsync();
        var rows = await db.Deliveries.AsNoTracking().Where(x => x.WebhookId == webhook.Id).OrderBy(x => x.Id).ToListAsync();
        Assert.Equal([DeliveryStatus.Pending, DeliveryStatus.Succeeded, DeliveryStatus.Pending, DeliveryStatus.Pending], rows.Select(r => r.Status));
        Assert.All(rows, r => Assert.Equal(1, r.AttemptCount));
        Assert.All(rows, r => Assert.Null(r.LeaseToken));
        Assert.Equal([1, 0, 1, 1], rows.Select(r => r.RetryStep));
        Assert.Equal(4, await db.DeliveryAttempts.CountAsync(a => a.WebhookId == webhook.Id));

        var health = await db.Webhooks.AsNoTracking().SingleAsync(w => w.Id == webhook.Id);
        Assert.Equal(2, health.ConsecutiveFailures);
        Assert.NotNull(health.LastSuccessAt);
        Assert.NotNull(health.LastFailureAt);
        Assert.NotNull(health.FailingSince);
    }

    [Fact]
    public async Task ASuccessLast_ResetsTheStreak_AndAnswersFromALostClaimOnlyAddTheirAttempt()
    {
        var (webhook, d) = await InFlightAsync(2);

        var settled = await SettleInOneBatchAsync(
            Finished(webhook, d[0], 500),
            Finished(webhook, d[1], 500, token: "someone else's claim"),
            Finished(webhook, d[0], 204)); // the same delivery again: its claim was used by the first

        Assert.Equal([true, false, false], settled);
        await using var db = await DbFactory.CreateDbContextAsync();
        var first = await db.Deliveries.AsNoTracking().SingleAsync(x => x.Id == d[0].Id);
        Assert.Equal(DeliveryStatus.Pending, first.Status);
        Assert.Equal(1, first.AttemptCount);
        var second = await db.Deliveries.AsNoTracking().SingleAsync(x => x.Id == d[1].Id);
        Assert.Equal(DeliveryStatus.InFlight, second.Status); // still held by the other claim
        Assert.Equal(3, await db.DeliveryAttempts.CountAsync(a => a.WebhookId == webhook.Id));

        var health = await db.Webhooks.AsNoTracking().SingleAsync(w => w.Id == webhook.Id);
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.Null(health.FailingSince);
        Assert.NotNull(health.LastFailureAt);
    }

    [Fact]
    public async Task A410AnywhereInTheBatch_DisablesTheWebhook()
    {
        var (webhook, d) = await InFlightAsync(2);
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            await db.Webhooks.Where(w => w.Id == webhook.Id).ExecuteUpdateAsync(s => s.SetProperty(w => w.Enabled, true));
        }
        var counted = await factory.Services.WebhookSettingsCountAsync();

        await SettleInOneBatchAsync(Finished(webhook, d[0], 410), Finished(webhook, d[1], 204));

        await using var check = await DbFactory.CreateDbContextAsync();
        var health = await check.Webhooks.AsNoTracking().SingleAsync(w => w.Id == webhook.Id);
        Assert.False(health.Enabled);
        Assert.Contains("410", health.DisabledReason);
        // Disabling is a change of the webhook's settings: counted, so the outbox reads it again (KeptWebhooksTests).
        Assert.Equal(counted + 1, await factory.Services.WebhookSettingsCountAsync());
    }

    [Fact]
    public async Task AClaimBatch_TakesOnlyDueAndAbandonedDeliveries_AndEachOnce()
    {
        var (_, d) = await InFlightAsync(5);
        var now = DateTimeOffset.UtcNow;
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            async Task Set(DeliveryEntity delivery, DeliveryStatus status, DateTimeOffset next, DateTimeOffset? lease, string? token) =>
                await db.Deliveries.Where(x => x.Id == delivery.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.Status, status).SetProperty(x => x.NextAttemptAt, next)
                    .SetProperty(x => x.LeaseExpiresAt, lease).SetProperty(x => x.LeaseToken, token));
            await Set(d[0], DeliveryStatus.Pending, now.AddMinutes(-1), null, null);                  // due
            await Set(d[1], DeliveryStatus.Pending, now.AddHours(1), null, null);                     // a retry not yet due
            await Set(d[2], DeliveryStatus.InFlight, now, now.AddMinutes(5), "live");                  // being sent
            await Set(d[3], DeliveryStatus.InFlight, now.AddMinutes(-10), now.AddMinutes(-1), "dead"); // its sender crashed
            await Set(d[4], DeliveryStatus.Succeeded, now.AddMinutes(-1), null, null);                // done
        }
        var store = factory.Services.GetRequiredService<DeliveryStore>();
        var ids = new[] { d[0].Id, d[1].Id, d[2].Id, d[3].Id, d[4].Id, d[0].Id };
        var claiming = await WriteGateBatches.StartWhileHeldAsync(factory.Services, ids.Select(id => (Func<Task<ClaimedDelivery?>>)(() => store.ClaimAsync(id))).ToArray());
        var claims = await Task.WhenAll(claiming);

        Assert.Equal([true, false, false, true, false, false], claims.Select(c => c is not null));
        Assert.All(claims.OfType<ClaimedDelivery>(), c => Assert.Equal(d[0].WebhookId, c.Webhook?.Id));
        await using var check = await DbFactory.CreateDbContextAsync();
        var rows = await check.Deliveries.AsNoTracking().Where(x => x.WebhookId == d[0].WebhookId).OrderBy(x => x.Id).ToListAsync();
        Assert.Equal([DeliveryStatus.InFlight, DeliveryStatus.Pending, DeliveryStatus.InFlight, DeliveryStatus.InFlight, DeliveryStatus.Succeeded], rows.Select(r => r.Status));
        Assert.Equal(claims[0]!.Delivery.LeaseToken, rows[0].LeaseToken);
        Assert.Equal(claims[0]!.Delivery.LeaseToken, rows[3].LeaseToken);
        Assert.Null(rows[1].LeaseToken);
        Assert.Equal("live", rows[2].LeaseToken);
        Assert.Null(rows[4].LeaseToken);
    }

    [Fact]
    public async Task OneGroupCommitAcrossTables_WritesEachChangeTheOutboxRowsOfItsOwnTablesWebhooks()
    {
        var api = factory.CreateApiClient();
        var a = await TablesSeed.DealsAsync(factory.Services);
        var b = await TablesSeed.DealsAsync(factory.Services);
        var (onA, _) = await api.CreateWebhookAsync(a.Id, new { name = "a", url = "http://127.0.0.1:9/", events = new[] { "record.created" } });
        var (updatesOnA, _) = await api.CreateWebhookAsync(a.Id, new { name = "a updates", url = "http://127.0.0.1:9/", events = new[] { "record.updated" } });
        var (onB, _) = await api.CreateWebhookAsync(b.Id, new { name = "b", url = "http://127.0.0.1:9/", events = new[] { "record.created" } });
        var records = factory.Services.GetRequiredService<Undb.Features.Tables.RecordService>();

        var writes = await WriteGateBatches.StartWhileHeldAsync(factory.Services,
            () => records.CreateAsync(a.Id, TablesSeed.Input("""{"Deal":"a1"}"""), null),
            () => records.CreateAsync(b.Id, TablesSeed.Input("""{"Deal":"b1"}"""), null),
            () => records.CreateAsync(a.Id, TablesSeed.Input("""{"Deal":"a2"}"""), null));
        var created = await Task.WhenAll(writes);

        await using var db = await DbFactory.CreateDbContextAsync();
        var outbox = await db.Deliveries.AsNoTracking()
            .Where(d => d.WebhookId == onA || d.WebhookId == updatesOnA || d.WebhookId == onB)
            .Select(d => new { d.WebhookId, d.TableId, d.RecordId }).ToListAsync();
        Assert.Equal(
            new[] { (onA, a.Id, created[0].Id), (onB, b.Id, created[1].Id), (onA, a.Id, created[2].Id) }.Order(),
            outbox.Select(d => (d.WebhookId, d.TableId, d.RecordId!)).Order());
    }
}
