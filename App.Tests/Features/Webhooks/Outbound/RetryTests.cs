using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>The app on a fake clock: time moves only when a test moves it.</summary>
public sealed class FakeClockFactory : OutboundFactory
{
    public FakeClockFactory() => ConfigureServices = s => s.AddSingleton<TimeProvider>(Clock);

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
}

/// <summary>The durable retry schedule, Retry-After, 410 and auto-disable, driven by a fake clock and explicit sweeps.</summary>
[Trait("Engines", "Both")]
public sealed class RetryTests(FakeClockFactory factory) : IClassFixture<FakeClockFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private FakeTimeProvider Clock => factory.Clock;

    private async Task<(string WebhookId, string DeliveryId, DeliverySignals Signals)> FirstFailureAsync(Func<ReceivedRequest, HttpContext, Task> respond)
    {
        _receiver.Respond = respond;
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "flaky", url = _receiver.Url, events = new[] { "record.created" } });
        var signals = new DeliverySignals(factory.Services);
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Acme" } });
        var change = await signals.NextAsync(c => c.WebhookId == webhookId && c.DeliveryId is not null);
        return (webhookId, change.DeliveryId!, signals);
    }

    /// <summary>Moves the clock to <paramref name="at"/>, sweeps, and waits for the delivery's next attempt to be recorded.</summary>
    private async Task<DeliveryChange> NextAttemptAsync(DeliverySignals signals, string deliveryId, DateTimeOffset at)
    {
        Clock.SetUtcNow(at);
        await factory.Services.Worker().SweepOnceAsync(CancellationToken.None);
        return await signals.NextAsync(c => c.DeliveryId == deliveryId);
    }

    private async Task<DeliveryEntity> DeliveryAsync(string id)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == id);
    }

    private async Task<WebhookEntity> WebhookAsync(string id)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Webhooks.AsNoTracking().SingleAsync(w => w.Id == id);
    }

    private static Task Status(HttpContext ctx, int status, string? retryAfter = null)
    {
        ctx.Response.StatusCode = status;
        if (retryAfter is not null)
        {
            ctx.Response.Headers.RetryAfter = retryAfter;
        }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task FailingEndpoint_IsRetriedOnTheScheduleWithJitter_ThenMarkedFailed()
    {
        var (_, deliveryId, signals) = await FirstFailureAsync((_, ctx) => Status(ctx, 500));
        using var _ = signals;

        foreach (var delay in WebhooksOptions.DefaultRetrySchedule)
        {
            var now = Clock.GetUtcNow();
            var pending = await DeliveryAsync(deliveryId);
            Assert.Equal(DeliveryStatus.Pending, pending.Status);
            Assert.InRange(pending.NextAttemptAt, now + delay * 0.8, now + delay * 1.2);
            await NextAttemptAsync(signals, deliveryId, pending.NextAttemptAt);
        }

        var failed = await DeliveryAsync(deliveryId);
        Assert.Equal(DeliveryStatus.Failed, failed.Status);
        Assert.Equal(8, failed.AttemptCount);
        Assert.Equal(500, failed.LastStatusCode);
        Assert.Equal(8, _receiver.Requests.Count);
        Assert.Single(_receiver.Requests.Select(r => r.Header("webhook-id")).Distinct());
    }

    [Fact]
    public async Task RetryAfter_IsHonoured_AndClampedToTheMaximum()
    {
        var (_, deliveryId, signals) = await FirstFailureAsync((_, ctx) => Status(ctx, 503, "120"));
        using var _ = signals;
        var first = await DeliveryAsync(deliveryId);
        Assert.Equal(Clock.GetUtcNow() + TimeSpan.FromSeconds(120), first.NextAttemptAt);

        // A day is more than Webhooks:MaxRetryAfter (1 h by default).
        _receiver.Respond = (_, ctx) => Status(ctx, 429, "86400");
        await NextAttemptAsync(signals, deliveryId, first.NextAttemptAt);
        var second = await DeliveryAsync(deliveryId);
        Assert.Equal(2, second.AttemptCount);
        Assert.Equal(Clock.GetUtcNow() + TimeSpan.FromHours(1), second.NextAttemptAt);
    }

    [Fact]
    public async Task Gone410_FailsTheDeliveryAndDisablesTheWebhook_ReplayAfterReEnableDelivers()
    {
        var start = Clock.GetUtcNow();
        var (webhookId, deliveryId, signals) = await FirstFailureAsync((_, ctx) => Status(ctx, 410));
        using var _ = signals;

        Assert.Equal(DeliveryStatus.Failed, (await DeliveryAsync(deliveryId)).Status);
        var webhook = await WebhookAsync(webhookId);
        Assert.False(webhook.Enabled);
        Assert.Contains("410", webhook.DisabledReason);
        var api = factory.CreateApiClient();
        Assert.Contains("410", (await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}"))["disabledReason"]!.GetValue<string>());

        // Disabled: a new change is held for it, not sent and not lost.
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{webhook.TableId}/records", new { values = new { Deal = "Later" } });
        Assert.Equal(2, (await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries"))["total"]!.GetValue<int>());
        var held = (await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries?status=held"))["items"]!.AsArray();
        var heldId = Assert.Single(held)!["id"]!.GetValue<string>();
        Assert.Equal(1, (await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}"))["stats"]!["held"]!.GetValue<int>());

        // Re-enabling sends what it held; the delivery that failed with 410 is replayed by hand.
        _receiver.Respond = (_, ctx) => Status(ctx, 204);
        var enabled = await api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{webhookId}", new { enabled = true });
        Assert.Null(enabled["disabledReason"]);
        Assert.Equal(DeliveryStatus.Succeeded, (await signals.NextAsync(c => c.DeliveryId == heldId && c.Status is DeliveryStatus.Succeeded or DeliveryStatus.Failed)).Status);
        var replay = await api.PostAsJsonAsync($"/api/webhooks/{webhookId}/replay", new { since = start.AddMinutes(-1), status = "failed" });
        Assert.Equal(1, (await replay.Content.ReadFromJsonAsync<ReplayResult>())!.Count);
        var done = await signals.NextAsync(c => c.DeliveryId == deliveryId);
        Assert.Equal(DeliveryStatus.Succeeded, done.Status);
    }

    [Fact]
    public async Task WebhookFailingForFiveDays_IsDisabledWithTheReason()
    {
        var (webhookId, deliveryId, signals) = await FirstFailureAsync((_, ctx) => Status(ctx, 500));
        using var _ = signals;
        var failingSince = (await WebhookAsync(webhookId)).FailingSince;
        Assert.Equal(Clock.GetUtcNow(), failingSince);

        await NextAttemptAsync(signals, deliveryId, Clock.GetUtcNow() + TimeSpan.FromDays(4));
        Assert.True((await WebhookAsync(webhookId)).Enabled);

        await NextAttemptAsync(signals, deliveryId, failingSince!.Value + TimeSpan.FromDays(5) + TimeSpan.FromSeconds(1));
        var webhook = await WebhookAsync(webhookId);
        Assert.False(webhook.Enabled);
        Assert.Contains("5 days", webhook.DisabledReason);
        Assert.Equal(3, webhook.ConsecutiveFailures);

        // What is still pending for a disabled webhook is held, not sent: re-enabling it sends it.
        var requests = _receiver.Requests.Count;
        var held = await NextAttemptAsync(signals, deliveryId, Clock.GetUtcNow() + TimeSpan.FromHours(11));
        Assert.Equal(DeliveryStatus.Held, held.Status);
        Assert.Equal(requests, _receiver.Requests.Count);
    }
}
