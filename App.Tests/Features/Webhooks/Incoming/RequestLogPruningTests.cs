using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Tests.TestSupport;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

/// <summary>A request log that keeps 8 entries (so it is pruned once per 2 new ones), on a clock the test moves.</summary>
public sealed class SmallLogFactory : FakeClockFactory
{
    public const int Keep = 8;

    public SmallLogFactory() => Settings["IncomingWebhooks:LogMaxRequests"] = Keep.ToString();
}

/// <summary>
/// Pruning reads every kept entry, so a busy webhook's log is pruned once per few entries, not on every write; those
/// prunes start where the last one ended, and once a minute the whole log is pruned (by age too).
/// </summary>
[Trait("Engines", "Both")]
public sealed class RequestLogPruningTests(SmallLogFactory factory) : IClassFixture<SmallLogFactory>
{
    private readonly HttpClient _client = factory.CreateAnonymousClient();

    [Fact]
    public async Task BusyWebhook_IsPrunedEveryFewEntries_AndTheLogShowsOnlyTheNewestKept()
    {
        var hook = await CreateHookAsync(factory);
        for (var i = 0; i < 12; i++)
        {
            await SendAsync(hook, i);
        }

        // Pruned on the 1st, 3rd, …, 11th write: the 12th is the one surplus entry, and readers do not see it.
        Assert.Equal(SmallLogFactory.Keep + 1, await StoredAsync(hook));
        Assert.Equal(Enumerable.Range(4, SmallLogFactory.Keep).Reverse(), await LoggedAsync(hook));

        await SendAsync(hook, 12);
        Assert.Equal(SmallLogFactory.Keep, await StoredAsync(hook));
        Assert.Equal(Enumerable.Range(5, SmallLogFactory.Keep).Reverse(), await LoggedAsync(hook));
    }

    [Fact]
    public async Task QuietWebhook_IsPrunedByAgeOnItsNextWrite()
    {
        var hook = await CreateHookAsync(factory);
        await SendAsync(hook, 0); // the first write since start prunes
        await SendAsync(hook, 1); // one entry gathered: not yet
        factory.Clock.Advance(TimeSpan.FromDays(8));
        await SendAsync(hook, 2); // past a minute since the last prune: both older entries are past the 7-day retention

        Assert.Equal(1, await StoredAsync(hook));
        Assert.Equal([2], await LoggedAsync(hook));
    }

    [Fact]
    public async Task AnEntryOlderThanWhereThePrunesStart_GoesAtTheNextFullPrune()
    {
        var hook = await CreateHookAsync(factory);
        for (var i = 0; i < 10; i++)
        {
            await SendAsync(hook, i);
        }
        // An entry committed late with an old id (another instance's, from a transaction that started long before):
        // below where this instance's last prune ended, so prunes by count, which start there, do not see it.
        const string straggler = "uwr_0";
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            db.IncomingRequests.Add(new() { Id = straggler, WebhookId = hook.Id, ReceivedAt = factory.Clock.GetUtcNow(), Status = 201 });
            await db.SaveChangesAsync();
        }
        await SendAsync(hook, 10);
        await SendAsync(hook, 11); // a prune by count
        Assert.True(await ExistsAsync(straggler));

        factory.Clock.Advance(TimeSpan.FromMinutes(1));
        await SendAsync(hook, 12); // a minute on: the whole log is pruned again

        Assert.False(await ExistsAsync(straggler));
        Assert.Equal(SmallLogFactory.Keep, await StoredAsync(hook));
        Assert.Equal(Enumerable.Range(5, SmallLogFactory.Keep).Reverse(), await LoggedAsync(hook));
    }

    private async Task<bool> ExistsAsync(string id)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.IncomingRequests.AnyAsync(r => r.Id == id);
    }

    private async Task SendAsync(CreatedHook hook, int n)
    {
        var response = await _client.SendAsync(Post(hook, $$"""{ "deal": { "title": "T{{n}}" }, "n": {{n}} }""", hook.Key));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    private async Task<int> StoredAsync(CreatedHook hook)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.IncomingRequests.CountAsync(r => r.WebhookId == hook.Id);
    }

    private async Task<IEnumerable<int>> LoggedAsync(CreatedHook hook) =>
        (await RequestLogAsync(factory, hook.Id)).Select(r => System.Text.Json.Nodes.JsonNode.Parse(r!["payload"]!.GetValue<string>())!["n"]!.GetValue<int>()).ToList();
}
