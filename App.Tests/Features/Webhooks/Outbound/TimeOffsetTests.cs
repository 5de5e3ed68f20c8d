using System.Globalization;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>
/// A time with an offset means the instant it names (issue #18 item 6): 15:00+02:00 finds what 13:00Z finds, in the
/// deliveries filter, in replay and in record date filters, because times are turned to UTC at the edge and in storage.
/// </summary>
[Trait("Engines", "Both")]
public sealed class TimeOffsetTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private static readonly TimeSpan Plus2 = TimeSpan.FromHours(2);
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static string Query(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture));

    private async Task<DeliveryEntity> DeliveryAsync(string id)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == id);
    }

    [Fact]
    public async Task TheDeliveriesFilter_AndReplay_ReadAnOffsetAsTheInstantItNames()
    {
        _receiver.Respond = (_, ctx) => { ctx.Response.StatusCode = 500; return Task.CompletedTask; };
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "offsets", url = _receiver.Url, events = new[] { "record.created" } });
        using var signals = new DeliverySignals(factory.Services);
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Acme" } });
        var deliveryId = (await signals.NextAsync(c => c.WebhookId == webhookId && c.DeliveryId is not null)).DeliveryId!;
        var created = (await DeliveryAsync(deliveryId)).CreatedAt;
        Assert.Equal(TimeSpan.Zero, created.Offset);

        // Half an hour before it was created, written as a +02:00 clock time: the clock reads later than the UTC
        // creation time, which is exactly what a clock-time comparison gets wrong.
        var before = (created - TimeSpan.FromMinutes(30)).ToOffset(Plus2);
        var after = (created + TimeSpan.FromMinutes(30)).ToOffset(Plus2);
        int Total(System.Text.Json.Nodes.JsonNode page) => page["total"]!.GetValue<int>();
        Assert.Equal(1, Total(await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries?since={Query(before)}")));
        Assert.Equal(1, Total(await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries?since={Query(before.ToUniversalTime())}")));
        Assert.Equal(0, Total(await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries?since={Query(after)}")));
        Assert.Equal(1, Total(await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries?until={Query(after)}")));
        Assert.Equal(0, Total(await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries?until={Query(before)}")));

        // Replay, once the delivery has failed for good (a manual attempt on a pending one would only count).
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.Deliveries.Where(d => d.Id == deliveryId).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Failed));
        }
        var none = await api.PostAsJsonAsync($"/api/webhooks/{webhookId}/replay", new { since = after, status = "failed" });
        Assert.Equal(0, (await none.Content.ReadFromJsonAsync<ReplayResult>())!.Count);
        var one = await api.PostAsJsonAsync($"/api/webhooks/{webhookId}/replay", new { since = before, status = "failed" });
        Assert.Equal(1, (await one.Content.ReadFromJsonAsync<ReplayResult>())!.Count);
    }

    [Fact]
    public async Task ARecordDateFilter_WithAnOffset_MeansTheUtcDayOfThatInstant()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Late", Close = "2026-12-01T23:30:00Z" } });
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Next", Close = "2026-12-02T09:00:00Z" } });

        // 01:30 on the 2nd at +02:00 is 23:30 on the 1st in UTC.
        var filter = Uri.EscapeDataString("Close:is:2026-12-02T01:30:00+02:00");
        var page = await api.SendJsonAsync(HttpMethod.Get, $"/api/tables/{table.Id}/records?filter={filter}");

        Assert.Equal(["Late"], page["records"]!.AsArray().Select(r => r!["values"]!["Deal"]!.GetValue<string>()));
    }
}
