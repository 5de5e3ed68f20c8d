using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>
/// A healthy webhook's row is written at most once a second by successes (every settlement batch of every instance
/// would otherwise write it), while a failure streak is always cleared by the next success. Driven by a fake clock.
/// </summary>
[Trait("Engines", "Both")]
public sealed class WebhookHealthWritesTests(FakeClockFactory factory) : IClassFixture<FakeClockFactory>
{
    private async Task<WebhookEntity> HealthAsync(string webhookId)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Webhooks.AsNoTracking().SingleAsync(w => w.Id == webhookId);
    }

    private async Task SettleAsync(WebhookEntity webhook, DeliveryEntity delivery, int status, AttemptTrigger trigger = AttemptTrigger.Scheduled)
    {
        var attempt = new DeliveryAttemptEntity
        {
            DeliveryId = delivery.Id, WebhookId = webhook.Id, Number = 1, Trigger = trigger, StartedAt = factory.Clock.GetUtcNow(),
            RequestMethod = "POST", RequestUrl = webhook.Url, RequestBody = "{}", ResponseStatus = status,
            Succeeded = status is >= 200 and < 300, Error = status >= 300 ? $"The endpoint answered {status}." : null,
        };
        var settled = await factory.Services.GetRequiredService<DeliveryStore>()
            .SettleAsync(new SettleRequest(webhook, delivery, new SendResult(attempt, null), delivery.LeaseToken!, DeliveryStatus.Pending));
        Assert.True(settled);
    }

    private static void AssertAt(DateTimeOffset expected, DateTimeOffset? actual) =>
        // PostgreSQL keeps microseconds, the fake clock ticks.
        Assert.True(actual is { } a && Math.Abs((a - expected).TotalMilliseconds) < 1, $"expected {expected:O}, stored {actual:O}");

    [Fact]
    public async Task SuccessesWriteTheRowOnceASecond_AndAFailureStreakIsClearedAtOnce()
    {
        var start = factory.Clock.GetUtcNow();
        var (webhook, d) = await factory.SeedInFlightAsync(start, Enumerable.Range(0, 5).Select(i => ("lease" + i, start.AddMinutes(5))).ToArray());

        await SettleAsync(webhook, d[0], 204);
        AssertAt(start, (await HealthAsync(webhook.Id)).LastSuccessAt);

        factory.Clock.Advance(TimeSpan.FromMilliseconds(500));
        await SettleAsync(webhook, d[1], 204);
        AssertAt(start, (await HealthAsync(webhook.Id)).LastSuccessAt); // within the second: the row is not written

        factory.Clock.Advance(TimeSpan.FromMilliseconds(600));
        await SettleAsync(webhook, d[2], 204);
        var later = factory.Clock.GetUtcNow();
        AssertAt(later, (await HealthAsync(webhook.Id)).LastSuccessAt);

        factory.Clock.Advance(TimeSpan.FromMilliseconds(100));
        await SettleAsync(webhook, d[3], 500);
        var failing = await HealthAsync(webhook.Id);
        Assert.Equal(1, failing.ConsecutiveFailures);
        Assert.NotNull(failing.FailingSince);

        factory.Clock.Advance(TimeSpan.FromMilliseconds(100));
        await SettleAsync(webhook, d[4], 204);
        var healthy = await HealthAsync(webhook.Id);
        Assert.Equal(0, healthy.ConsecutiveFailures);
        Assert.Null(healthy.FailingSince);
        AssertAt(factory.Clock.GetUtcNow(), healthy.LastSuccessAt);
    }

    /// <summary>
    /// "Send test" is a check the user reads in the dialog, not traffic: a failed one does not make a new webhook
    /// "Failing" (a new-user run saw that), alert anyone or count towards turning it off, and a good one does not hide
    /// a real failure streak.
    /// </summary>
    [Fact]
    public async Task ATestSend_LeavesTheWebhooksHealthAlone()
    {
        var start = factory.Clock.GetUtcNow();
        var (webhook, d) = await factory.SeedInFlightAsync(start, Enumerable.Range(0, 4).Select(i => ("test" + i, start.AddMinutes(5))).ToArray());

        await SettleAsync(webhook, d[0], 500, AttemptTrigger.Test);
        var untouched = await HealthAsync(webhook.Id);
        Assert.Equal((0, null, null), (untouched.ConsecutiveFailures, untouched.FailingSince, untouched.LastFailureAt));

        await SettleAsync(webhook, d[1], 500);
        Assert.Equal(1, (await HealthAsync(webhook.Id)).ConsecutiveFailures);
        factory.Clock.Advance(TimeSpan.FromSeconds(2));
        await SettleAsync(webhook, d[2], 204, AttemptTrigger.Test);
        var stillFailing = await HealthAsync(webhook.Id);
        Assert.Equal(1, stillFailing.ConsecutiveFailures);
        Assert.NotNull(stillFailing.FailingSince);

        // A real send still counts.
        await SettleAsync(webhook, d[3], 204);
        Assert.Equal(0, (await HealthAsync(webhook.Id)).ConsecutiveFailures);
    }
}
