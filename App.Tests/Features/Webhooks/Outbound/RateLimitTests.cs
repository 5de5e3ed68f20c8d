using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary><c>maxPerSecond</c> and a receiver's 429 Retry-After (issue #22 part 4), on a fake clock.</summary>
public sealed class RateLimitTests
{
    private static WebhookEntity Webhook(int? perSecond) => new() { Id = "whk_1", TableId = "tbl", Name = "n", Url = "https://example.com", SecretProtected = "s", MaxPerSecond = perSecond };

    [Fact]
    public void MaxPerSecondFive_NeverGivesMoreThanFiveTurnsInAnySecond()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var pacer = new WebhookPacer(clock);
        var webhook = Webhook(5);
        var turns = new List<DateTimeOffset>();
        for (var i = 0; i < 40; i++)
        {
            turns.Add(pacer.NextTurn(webhook)!.Value);
            if (i % 7 == 0)
            {
                clock.Advance(TimeSpan.FromMilliseconds(130)); // retries and new deliveries come at any time
            }
        }
        foreach (var start in turns)
        {
            Assert.True(turns.Count(t => t >= start && t < start + TimeSpan.FromSeconds(1)) <= 5, $"more than 5 turns in the second from {start:O}");
        }
        Assert.Equal(turns.OrderBy(t => t), turns);
    }

    [Fact]
    public void NoLimit_NoWait_UntilA429SlowsTheWholeWebhook()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var pacer = new WebhookPacer(clock);
        var webhook = Webhook(null);
        Assert.Null(pacer.NextTurn(webhook));

        pacer.SlowDown(webhook.Id, clock.GetUtcNow() + TimeSpan.FromSeconds(30));

        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromSeconds(30), pacer.NextTurn(webhook));
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromSeconds(30), pacer.NextTurn(webhook));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(clock.GetUtcNow(), pacer.NextTurn(webhook));
    }

    [Fact]
    public async Task TheApi_RefusesAnOutOfRangeLimit()
    {
        await using var factory = new OutboundFactory();
        var table = await Undb.Tests.TestSupport.TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var response = await api.PostAsJsonAsync($"/api/tables/{table.Id}/webhooks", new { name = "fast", url = "http://127.0.0.1:9/hook", events = new[] { "record.created" }, maxPerSecond = 5000 });
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("maxPerSecond", await response.Content.ReadAsStringAsync());
    }
}
