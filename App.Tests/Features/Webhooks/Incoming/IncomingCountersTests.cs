using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Webhooks.Incoming;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

/// <summary>
/// Each instance counts an incoming webhook's requests in its own share of the stats (so instances never queue on one
/// row), and the stats shown are the webhook's own columns plus every instance's share.
/// </summary>
[Trait("Engines", "Both")]
public sealed class IncomingCountersTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    private readonly HttpClient _client = factory.CreateAnonymousClient();

    private async Task<AppDbContext> DbAsync() =>
        await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    [Fact]
    public async Task RequestsAreCountedInThisInstancesShare_NotOnTheWebhooksRow()
    {
        var hook = await CreateHookAsync(factory);

        Assert.Equal(HttpStatusCode.Created, (await _client.SendAsync(Post(hook, """{ "deal": { "title": "Acme" } }""", hook.Key))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.SendAsync(Post(hook, """{ "deal": { "title": "Initech" } }""", hook.Key))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.SendAsync(Post(hook, """{ "deal": { "title": "Forged" } }""", "uwk_wrong"))).StatusCode);

        await using var db = await DbAsync();
        var row = await db.IncomingWebhooks.AsNoTracking().SingleAsync(w => w.Id == hook.Id);
        Assert.Equal((0L, 0L, 0L), (row.Received, row.Accepted, row.Rejected));
        var share = await db.IncomingWebhookCounters.AsNoTracking().SingleAsync(c => c.WebhookId == hook.Id);
        Assert.Equal(factory.Services.GetRequiredService<IOptions<WebhooksOptions>>().Value.EffectiveInstanceId, share.Instance);
        Assert.Equal((3L, 2L, 1L), (share.Received, share.Accepted, share.Rejected));
        Assert.NotNull(share.LastReceivedAt);
        var stats = (await GetHookAsync(factory, hook.Id))["stats"]!;
        Assert.Equal((3, 2, 1), (stats["received"]!.GetValue<int>(), stats["accepted"]!.GetValue<int>(), stats["rejected"]!.GetValue<int>()));
    }

    [Fact]
    public async Task TheStatsShown_AreTheWebhooksOwnCountsPlusEveryInstancesShare()
    {
        var hook = await CreateHookAsync(factory);
        var earlier = DateTimeOffset.UtcNow.AddHours(-2);
        var latest = DateTimeOffset.UtcNow.AddHours(-1);
        await using (var db = await DbAsync())
        {
            // Counts from before shares existed stay on the webhook's row.
            await db.IncomingWebhooks.Where(w => w.Id == hook.Id).ExecuteUpdateAsync(s => s
                .SetProperty(w => w.Received, 10).SetProperty(w => w.Accepted, 9).SetProperty(w => w.Rejected, 1).SetProperty(w => w.LastReceivedAt, earlier));
            db.IncomingWebhookCounters.Add(new IncomingWebhookCounterEntity { WebhookId = hook.Id, Instance = "web-2", Received = 5, Accepted = 3, Rejected = 2, LastReceivedAt = latest });
            db.IncomingWebhookCounters.Add(new IncomingWebhookCounterEntity { WebhookId = hook.Id, Instance = "web-3", Received = 1, Accepted = 1, LastReceivedAt = earlier });
            await db.SaveChangesAsync();
        }

        var view = (await factory.Services.GetRequiredService<IncomingWebhookService>().GetAsync(hook.Id))!;
        Assert.Equal((16L, 13L, 3L), (view.Stats.Received, view.Stats.Accepted, view.Stats.Rejected));
        Assert.True(Math.Abs((view.Stats.LastReceivedAt!.Value - latest).TotalMilliseconds) < 1);
        Assert.Equal(16, (await factory.Services.GetRequiredService<IncomingWebhookService>().ListAsync(hook.TableId)).Single(h => h.Id == hook.Id).Stats.Received);
    }
}
