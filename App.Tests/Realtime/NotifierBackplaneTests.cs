using Microsoft.Extensions.Logging.Abstractions;
using System.Text.Json.Nodes;
using Undb.Features.Webhooks.Incoming;
using Undb.Realtime;

namespace Undb.Tests.Realtime;

/// <summary>Two app instances' notifiers joined by a backplane: each sees the other's committed events, as its own.</summary>
public sealed class NotifierBackplaneTests
{
    /// <summary>An in-memory backplane between instances: a message goes to every other instance that listens, never back.</summary>
    private sealed class Wire
    {
        private readonly List<(Instance From, string Topic, Action<string> Handler)> _listeners = [];

        public Instance Join() => new(this);

        public sealed class Instance(Wire wire) : INotifierBackplane
        {
            public void Send(string topic, string message)
            {
                foreach (var (from, t, handler) in wire._listeners.ToList())
                {
                    if (from != this && t == topic)
                    {
                        handler(message);
                    }
                }
            }

            public IDisposable Listen(string topic, Action<string> onMessage)
            {
                var entry = (this, topic, onMessage);
                wire._listeners.Add(entry);
                return new Unlisten(() => wire._listeners.Remove(entry));
            }
        }

        private sealed class Unlisten(Action undo) : IDisposable
        {
            public void Dispose() => undo();
        }
    }

    [Fact]
    public async Task AChangePublishedOnOneInstance_ReachesTheOthersSubscribers_Once()
    {
        var wire = new Wire();
        using var a = new TableChangeNotifier(NullLogger<TableChangeNotifier>.Instance, wire.Join());
        using var b = new TableChangeNotifier(NullLogger<TableChangeNotifier>.Instance, wire.Join());
        var onA = new List<TableChange>();
        var onB = new TaskCompletionSource<TableChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subA = a.Subscribe("tbl_1", c => { onA.Add(c); return Task.CompletedTask; });
        using var subB = b.Subscribe("tbl_1", c => { onB.TrySetResult(c); return Task.CompletedTask; });

        a.Publish(new TableChange("tbl_1", TableChangeKind.RecordsChanged, ["rec_1", "rec_2"], "usr_1"));

        var seen = await onB.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(TableChangeKind.RecordsChanged, seen.Kind);
        Assert.Equal(["rec_1", "rec_2"], seen.RecordIds);
        Assert.Equal("usr_1", seen.ActorId);
        Assert.Single(onA);
    }

    [Fact]
    public async Task ABulkChange_TravelsWithAtMostAHundredIds()
    {
        var wire = new Wire();
        using var a = new TableChangeNotifier(NullLogger<TableChangeNotifier>.Instance, wire.Join());
        using var b = new TableChangeNotifier(NullLogger<TableChangeNotifier>.Instance, wire.Join());
        var onB = new TaskCompletionSource<TableChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = b.SubscribeAll(c => { onB.TrySetResult(c); return Task.CompletedTask; });
        var ids = Enumerable.Range(0, 1000).Select(i => $"rec_{i:D26}").ToList();

        a.Publish(new TableChange("tbl_1", TableChangeKind.RecordsChanged, ids));

        var seen = await onB.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ids.Take(TableChangeNotifier.MaxIdsToOtherInstances), seen.RecordIds);
    }

    [Fact]
    public async Task ALargeSampleBody_StaysHome_ButTheActivityStillTravels()
    {
        var wire = new Wire();
        using var a = new IncomingWebhookNotifier(NullLogger<IncomingWebhookNotifier>.Instance, wire.Join());
        using var b = new IncomingWebhookNotifier(NullLogger<IncomingWebhookNotifier>.Instance, wire.Join());
        var onB = new TaskCompletionSource<IncomingActivity>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = b.SubscribeAll(c => { onB.TrySetResult(c); return Task.CompletedTask; });

        a.Publish(new IncomingActivity("inw_1", "tbl_1", new JsonObject { ["text"] = new string('x', 10_000) }));

        var seen = await onB.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("inw_1", seen.WebhookId);
        Assert.Null(seen.Payload);
    }

    [Fact]
    public void Disposed_ANotifierStopsListening()
    {
        var wire = new Wire();
        var a = new TableChangeNotifier(NullLogger<TableChangeNotifier>.Instance, wire.Join());
        var b = new TableChangeNotifier(NullLogger<TableChangeNotifier>.Instance, wire.Join());
        var seen = 0;
        using var sub = b.SubscribeAll(_ => { seen++; return Task.CompletedTask; });
        b.Dispose();

        a.Publish(new TableChange("tbl_1", TableChangeKind.SchemaChanged, []));

        Assert.Equal(0, seen);
        a.Dispose();
    }
}
