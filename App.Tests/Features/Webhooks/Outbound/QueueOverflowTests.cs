using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>A queue of 10 and a sweep once an hour: only the queue's "room again" signal can bring the rest in.</summary>
public sealed class TinyQueueFactory : OutboundFactory
{
    public TinyQueueFactory()
    {
        Settings["Webhooks:QueueCapacity"] = "10";
        Settings["Webhooks:SweepBatchSize"] = "7";
        Settings["Webhooks:SweepInterval"] = "01:00:00";
    }
}

/// <summary>A burst bigger than the in-process queue is delivered in full, without waiting for the next timed sweep.</summary>
[Trait("Engines", "Both")]
public sealed class QueueOverflowTests(TinyQueueFactory factory) : IClassFixture<TinyQueueFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task ABurstTenTimesTheQueue_IsDeliveredInFull_EachEventOnce()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        await factory.CreateApiClient().CreateWebhookAsync(table.Id, new { name = "burst", url = _receiver.Url, events = new[] { "record.created" } });

        var records = factory.Services.GetRequiredService<RecordService>();
        var created = await records.BulkCreateAsync(table.Id,
            Enumerable.Range(0, 100).Select(i => new RecordInput(new Dictionary<string, System.Text.Json.Nodes.JsonNode?> { ["Deal"] = $"deal {i}" })).ToList(), null);

        var received = await _receiver.WaitForAsync(r => r.Count >= 100);
        Assert.Equal(created.Select(r => r.Id).Order(), received.Select(r => System.Text.Json.Nodes.JsonNode.Parse(r.Body)!["event"]!["record"]!["id"]!.GetValue<string>()).Order());
    }
}
