using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>
/// The outbox keeps the webhooks it read for a table and reads them again only when the sink settings count has moved
/// (one round trip fewer per record transaction); every change to a webhook counts itself, in its own transaction, so
/// a change made on any instance reaches the next record write on every instance.
/// </summary>
[Trait("Engines", "Both")]
public sealed class KeptWebhooksTests(OutboundFactory factory) : IClassFixture<OutboundFactory>
{
    private IDbContextFactory<AppDbContext> DbFactory => factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private async Task<DeliveryStatus> StatusOfAsync(string webhookId, string recordId)
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        return await db.Deliveries.AsNoTracking().Where(d => d.WebhookId == webhookId && d.RecordId == recordId).Select(d => d.Status).SingleAsync();
    }

    private static async Task<string> CreateRecordAsync(HttpClient api, string tableId, string deal) =>
        (await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{tableId}/records", new { values = new { Deal = deal } }))["id"]!.GetValue<string>();

    [Fact]
    public async Task TheOutboxWorksFromTheWebhooksItRead_UntilAChangeIsCounted()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var table = await TablesSeed.DealsAsync(factory.Services);
        using var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "kept", url = receiver.Url, events = new[] { "record.created" } });
        var first = await CreateRecordAsync(api, table.Id, "first");
        Assert.NotEqual(DeliveryStatus.Held, await StatusOfAsync(webhookId, first));

        // Paused behind the app's back, without counting the change: the next write does not read the webhooks again.
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            await db.Webhooks.Where(w => w.Id == webhookId).ExecuteUpdateAsync(s => s.SetProperty(w => w.Enabled, false));
        }
        var second = await CreateRecordAsync(api, table.Id, "second");
        Assert.NotEqual(DeliveryStatus.Held, await StatusOfAsync(webhookId, second));

        // Counted, as every webhook write counts (another instance's too: the count is in the database, not a message),
        // the next write reads them again and holds the paused webhook's delivery.
        await factory.Services.GetRequiredService<DataWriter>().WriteAsync(s =>
        {
            WebhookSettings.Changed(s);
            return Task.CompletedTask;
        });
        var third = await CreateRecordAsync(api, table.Id, "third");
        Assert.Equal(DeliveryStatus.Held, await StatusOfAsync(webhookId, third));
    }

    [Fact]
    public async Task EveryChangeToAWebhook_IsCounted_AndPausingHoldsTheNextWrite()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var table = await TablesSeed.DealsAsync(factory.Services);
        using var api = factory.CreateApiClient();
        var counts = new List<long> { await factory.Services.WebhookSettingsCountAsync() };
        async Task Step(HttpMethod method, string url, object? body = null)
        {
            await api.SendJsonAsync(method, url, body);
            counts.Add(await factory.Services.WebhookSettingsCountAsync());
        }

        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "counted", url = receiver.Url, events = new[] { "record.created" } });
        counts.Add(await factory.Services.WebhookSettingsCountAsync());
        await CreateRecordAsync(api, table.Id, "read once");
        var hook = $"/api/webhooks/{webhookId}";
        await Step(HttpMethod.Patch, hook, new { name = "renamed" });
        await Step(HttpMethod.Patch, hook, new { enabled = false });
        var whilePaused = await CreateRecordAsync(api, table.Id, "while paused");
        Assert.Equal(DeliveryStatus.Held, await StatusOfAsync(webhookId, whilePaused));
        await Step(HttpMethod.Post, $"{hook}/resume", new { held = "discard" });
        var resumed = await CreateRecordAsync(api, table.Id, "resumed");
        Assert.NotEqual(DeliveryStatus.Held, await StatusOfAsync(webhookId, resumed));
        await Step(HttpMethod.Post, $"{hook}/rotate-secret");
        await Step(HttpMethod.Post, "/api/webhooks", new { name = "workspace", url = receiver.Url, events = new[] { "record.created" } });
        await Step(HttpMethod.Delete, hook);

        Assert.Equal(Enumerable.Range(0, counts.Count).Select(i => counts[0] + i), counts);
    }
}
