using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>Ordered delivery (issue #22): one at a time, in commit order, with consecutive sequence numbers.</summary>
[Trait("Engines", "Both")]
public sealed class OrderedDeliveryTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task EightConcurrentWriters_AreDeliveredOneAtATime_InCommitOrder_WithConsecutiveSequences()
    {
        var inFlight = 0;
        var maxInFlight = 0;
        _receiver.Respond = async (_, ctx) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            await Task.Yield();
            Interlocked.Decrement(ref inFlight);
            ctx.Response.StatusCode = 200;
        };
        var table = await TablesSeed.DealsAsync(factory.Services, "Ordered " + Guid.NewGuid().ToString("N")[..6]);
        var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "ordered", url = _receiver.Url, events = new[] { "record.created" }, ordered = true });
        const int writers = 8, perWriter = 10;
        using var signals = new DeliverySignals(factory.Services);

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var client = factory.CreateApiClient();
            for (var i = 0; i < perWriter; i++)
            {
                await client.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = $"w{w}-{i}" } });
            }
        })));

        var received = await _receiver.WaitForCountAsync(writers * perWriter);
        var sequences = received.Select(r => r.Payload()["sequence"]!.GetValue<long>()).ToList();
        Assert.Equal(Enumerable.Range(1, writers * perWriter).Select(i => (long)i), sequences);
        Assert.Equal(1, maxInFlight);

        // Commit order: the sequence the transaction took is the order of the deliveries' rows it wrote.
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        // The receiver has the last request before the app has settled it: wait for that (sends are one at a time,
        // so the last one settled means all have).
        var last = await db.Deliveries.AsNoTracking().Where(d => d.WebhookId == webhookId).OrderByDescending(d => d.Sequence).Select(d => d.Id).FirstAsync();
        await signals.NextAsync(c => c.DeliveryId == last && c.Status == DeliveryStatus.Succeeded);
        var rows = await db.Deliveries.AsNoTracking().Where(d => d.WebhookId == webhookId).ToListAsync();
        Assert.All(rows, d => Assert.Equal(DeliveryStatus.Succeeded, d.Status));
        Assert.Equal(received.Select(r => r.Header("webhook-id")), rows.OrderBy(d => d.Sequence).Select(d => d.EventId));
        // Each writer's own records arrive in the order it wrote them.
        foreach (var w in Enumerable.Range(0, writers))
        {
            var mine = received.Select(r => r.Payload()["event"]!["record"]!["Deal"]!.GetValue<string>()).Where(d => d.StartsWith($"w{w}-", StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(0, perWriter).Select(i => $"w{w}-{i}"), mine);
        }
    }

    [Fact]
    public async Task UnorderedWebhook_CarriesNoSequence()
    {
        var table = await TablesSeed.DealsAsync(factory.Services, "Unordered " + Guid.NewGuid().ToString("N")[..6]);
        var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "plain", url = _receiver.Url, events = new[] { "record.created" } });
        var shown = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}");
        Assert.False(shown["ordered"]!.GetValue<bool>());
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "x" } });
        var received = await _receiver.WaitForAsync(r => r.Any(q => q.Payload()["event"]!["tableId"]!.GetValue<string>() == table.Id));
        Assert.Null(received.Single(q => q.Payload()["event"]!["tableId"]!.GetValue<string>() == table.Id).Payload()["sequence"]);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}

/// <summary>A failing delivery of an ordered webhook holds the ones behind it (fake clock, explicit sweeps).</summary>
[Trait("Engines", "Both")]
public sealed class OrderedHoldTests(FakeClockFactory factory) : IClassFixture<FakeClockFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task FailingDelivery_HoldsTheNext_UntilItSucceeds()
    {
        var failFirst = 1;
        _receiver.Respond = (_, ctx) =>
        {
            ctx.Response.StatusCode = Interlocked.Exchange(ref failFirst, 0) == 1 ? 500 : 200;
            return Task.CompletedTask;
        };
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "ordered", url = _receiver.Url, events = new[] { "record.created" }, ordered = true });
        using var signals = new DeliverySignals(factory.Services);
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "first" } });
        var failed = await signals.NextAsync(c => c.WebhookId == webhookId && c.Status == DeliveryStatus.Pending);
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "second" } });
        // A sweep before the retry is due wakes the webhook: the second must wait behind the first.
        await factory.Services.Worker().SweepOnceAsync(CancellationToken.None);

        factory.Clock.Advance(TimeSpan.FromHours(1));
        await factory.Services.Worker().SweepOnceAsync(CancellationToken.None);

        var received = await _receiver.WaitForCountAsync(3);
        Assert.Equal(["first", "first", "second"], received.Select(Deal));
        Assert.Equal([1L, 1L, 2L], received.Select(r => r.Payload()["sequence"]!.GetValue<long>()));
        Assert.NotNull(failed.DeliveryId);
    }

    private static string Deal(ReceivedRequest r) => r.Payload()["event"]!["record"]!["Deal"]!.GetValue<string>();
}
