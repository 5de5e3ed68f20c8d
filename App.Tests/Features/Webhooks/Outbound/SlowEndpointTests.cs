using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>Per-endpoint lanes: a receiver that does not answer holds only its own lane.</summary>
public sealed class SlowEndpointTests(SlowEndpointTests.Factory factory) : IClassFixture<SlowEndpointTests.Factory>
{
    private const int LaneCap = 4;

    /// <summary>A lane narrower than the records sent, so the slow receiver provably holds only its lane.</summary>
    public sealed class Factory : OutboundFactory
    {
        public Factory() => Settings["Webhooks:MaxConcurrencyPerWebhook"] = LaneCap.ToString();
    }

    [Fact]
    public async Task SlowEndpoint_DoesNotDelayDeliveriesToAHealthyOne()
    {
        await using var slow = await LoopbackReceiver.StartAsync();
        await using var healthy = await LoopbackReceiver.StartAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.Respond = async (_, ctx) =>
        {
            await gate.Task;
            ctx.Response.StatusCode = 200;
        };
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        await api.CreateWebhookAsync(table.Id, new { name = "slow", url = slow.Url, events = new[] { "record.created" } });
        await api.CreateWebhookAsync(table.Id, new { name = "healthy", url = healthy.Url, events = new[] { "record.created" } });

        const int records = 12;
        for (var i = 0; i < records; i++)
        {
            await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = $"Deal {i}" } });
        }

        try
        {
            // Every delivery reaches the healthy receiver while the slow one still holds its first requests unanswered.
            await healthy.WaitForCountAsync(records);
            await slow.WaitForCountAsync(LaneCap);
            Assert.False(gate.Task.IsCompleted);
            // The lane's cap (Webhooks:MaxConcurrencyPerWebhook) bounds what is in flight to it.
            Assert.Equal(LaneCap, slow.Requests.Count);
        }
        finally
        {
            gate.TrySetResult();
        }
        var all = await slow.WaitForCountAsync(records);
        Assert.Equal(records, all.Select(r => r.Header("webhook-id")).Distinct().Count());
    }
}
