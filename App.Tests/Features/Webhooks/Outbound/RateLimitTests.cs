using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary><c>maxPerSecond</c> and a receiver's 429 Retry-After (issue #22 part 4): the pacer on a fake clock.</summary>
public sealed class RateLimitTests
{
    private static WebhookEntity Webhook(int? perSecond) => new() { Id = "whk_1", TableId = "tbl", Name = "n", Url = "https://example.com", SecretProtected = "s", MaxPerSecond = perSecond };

    /// <summary>No window of one second, starting anywhere, holds more than <paramref name="max"/> of <paramref name="sends"/>.</summary>
    private static void AssertAtMostPerSecond(IReadOnlyList<DateTimeOffset> sends, int max)
    {
        foreach (var start in sends)
        {
            Assert.True(sends.Count(t => t >= start && t < start + TimeSpan.FromSeconds(1)) <= max, $"more than {max} sends in the second from {start:O}");
        }
    }

    [Fact]
    public void MaxPerSecondFive_NeverLetsMoreThanFiveGoInAnySecond()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var pacer = new WebhookPacer(clock);
        var webhook = Webhook(5);
        var sends = new List<DateTimeOffset>();
        var asks = 0;
        while (sends.Count < 40)
        {
            // Deliveries and retries ask at uneven moments; a refused one asks again when told.
            asks++;
            if (pacer.TryTake(webhook) is { } next)
            {
                Assert.True(next > clock.GetUtcNow());
                clock.SetUtcNow(asks % 3 == 0 ? next + TimeSpan.FromMilliseconds(70) : next);
            }
            else
            {
                sends.Add(clock.GetUtcNow());
                clock.Advance(TimeSpan.FromMilliseconds(asks % 4 * 45));
            }
        }
        AssertAtMostPerSecond(sends, 5);
        // And it does not pace harder than asked: 40 sends take about 8 seconds, not much more.
        Assert.True(sends[^1] - sends[0] < TimeSpan.FromSeconds(9), $"40 sends took {sends[^1] - sends[0]}");
    }

    [Fact]
    public void NoLimit_NoWait_UntilA429SlowsTheWholeWebhook()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var pacer = new WebhookPacer(clock);
        var webhook = Webhook(null);
        Assert.Null(pacer.TryTake(webhook));

        pacer.SlowDown(webhook.Id, clock.GetUtcNow() + TimeSpan.FromSeconds(30));

        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromSeconds(30), pacer.TryTake(webhook));
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromSeconds(30), pacer.TryTake(webhook));
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(pacer.TryTake(webhook));
    }

    [Fact]
    public async Task AWaitLongerThanAllowed_IsHandedBack_WithTheTimeItIsDue()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var pacer = new WebhookPacer(clock);
        var webhook = Webhook(null);
        pacer.SlowDown(webhook.Id, clock.GetUtcNow() + TimeSpan.FromMinutes(2));

        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(2), await pacer.WaitTurnAsync(webhook, TimeSpan.FromSeconds(15), CancellationToken.None));
    }

    [Fact]
    public async Task TheApi_RefusesAnOutOfRangeLimit()
    {
        await using var factory = new OutboundFactory();
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var response = await api.PostAsJsonAsync($"/api/tables/{table.Id}/webhooks", new { name = "fast", url = "http://127.0.0.1:9/hook", events = new[] { "record.created" }, maxPerSecond = 5000 });
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("maxPerSecond", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>The engine paces real sends: the app on a fake clock, so "a second" is exactly one.</summary>
[Trait("Engines", "Both")]
public sealed class PacedDeliveryTests(FakeClockFactory factory) : IClassFixture<FakeClockFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private async Task<List<DateTimeOffset>> AttemptStartsAsync(string webhookId)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var deliveries = db.Deliveries.Where(d => d.WebhookId == webhookId).Select(d => d.Id);
        return (await db.DeliveryAttempts.AsNoTracking().Where(a => deliveries.Contains(a.DeliveryId)).Select(a => a.StartedAt).ToListAsync()).Order().ToList();
    }

    [Fact]
    public async Task MaxPerSecondFive_SendsTwelveChangesFiveASecond()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "paced", url = _receiver.Url, events = new[] { "record.created" }, maxPerSecond = 5 });
        var start = factory.Clock.GetUtcNow();
        using var signals = new DeliverySignals(factory.Services);

        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records/bulk", new { records = Enumerable.Range(1, 12).Select(i => new { values = new { Deal = $"d{i}" } }).ToArray() });

        // Five go at once; the rest wait for the clock, which only the test moves.
        await _receiver.WaitForCountAsync(5);
        factory.Clock.Advance(TimeSpan.FromSeconds(1));
        await _receiver.WaitForCountAsync(10);
        factory.Clock.Advance(TimeSpan.FromSeconds(1));
        await _receiver.WaitForCountAsync(12);
        // The receiver has the last requests a moment before the app has recorded them.
        var settled = new HashSet<string>();
        while (settled.Count < 12)
        {
            settled.Add((await signals.NextAsync(c => c.WebhookId == webhookId && c.DeliveryId is not null && c.Status == DeliveryStatus.Succeeded)).DeliveryId!);
        }

        var starts = await AttemptStartsAsync(webhookId);
        Assert.Equal(12, starts.Count);
        foreach (var s in starts)
        {
            Assert.True(starts.Count(t => t >= s && t < s + TimeSpan.FromSeconds(1)) <= 5, $"more than 5 sends in the second from {s - start}");
        }
        Assert.Equal(12, _receiver.Requests.Count);
    }

    [Fact]
    public async Task A429WithRetryAfter_SlowsTheWholeWebhook_NotJustThatDelivery()
    {
        var first = 1;
        _receiver.Respond = (_, ctx) =>
        {
            if (Interlocked.Exchange(ref first, 0) == 1)
            {
                ctx.Response.StatusCode = 429;
                ctx.Response.Headers.RetryAfter = "60";
            }
            else
            {
                ctx.Response.StatusCode = 200;
            }
            return Task.CompletedTask;
        };
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "busy receiver", url = _receiver.Url, events = new[] { "record.created" } });
        using var signals = new DeliverySignals(factory.Services);
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "first" } });
        await signals.NextAsync(c => c.WebhookId == webhookId && c.DeliveryId is not null && c.Status == DeliveryStatus.Pending);
        var slowedAt = factory.Clock.GetUtcNow();

        // Another change: not sent before the receiver's Retry-After, but handed back, due then.
        var second = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "second" } });
        var recordId = second["id"]!.GetValue<string>();
        string deliveryId;
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            deliveryId = await db.Deliveries.Where(d => d.RecordId == recordId).Select(d => d.Id).SingleAsync();
        }
        await signals.NextAsync(c => c.DeliveryId == deliveryId && c.Status == DeliveryStatus.Pending);
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var held = await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == deliveryId);
            Assert.Equal(0, held.AttemptCount);
            // Retry-After: 60, counted from when the 429 arrived (a moment before the test read the clock).
            Assert.True(held.NextAttemptAt >= slowedAt + TimeSpan.FromSeconds(59), $"due {held.NextAttemptAt - slowedAt} after the 429");
        }
        Assert.Single(_receiver.Requests);

        factory.Clock.Advance(TimeSpan.FromSeconds(61));
        await factory.Services.Worker().SweepOnceAsync(CancellationToken.None);
        var received = await _receiver.WaitForCountAsync(3);
        Assert.Equal(["first", "first", "second"], received.Select(r => r.Payload()["event"]!["record"]!["Deal"]!.GetValue<string>()).Order());
    }
}
