using Microsoft.Extensions.Logging.Abstractions;
using System.Text.Json.Nodes;
using Undb.Data.Postgres;
using Undb.Features.Webhooks.Incoming;
using Undb.Realtime;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Data;

/// <summary>
/// The backplane over a real PostgreSQL (UNDB_TEST_POSTGRES, which test.sh always provides): two instances hear each
/// other's events, never their own. Without a server this fails, as every PostgreSQL test does, rather than skip.
/// </summary>
[Trait("Engines", "Postgres")]
public sealed class PostgresBackplaneTests : IAsyncLifetime
{
    private readonly string _database = TestEngine.CreatePostgresDatabase();
    private readonly CancellationTokenSource _stop = new();
    private PostgresBackplane _a = null!;
    private PostgresBackplane _b = null!;

    public async Task InitializeAsync()
    {
        _a = new PostgresBackplane(_database, NullLogger<PostgresBackplane>.Instance);
        _b = new PostgresBackplane(_database, NullLogger<PostgresBackplane>.Instance);
        await _a.StartAsync(_stop.Token);
        await _b.StartAsync(_stop.Token);
        await Task.WhenAll(_a.Listening, _b.Listening).WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _a.StopAsync(CancellationToken.None);
        await _b.StopAsync(CancellationToken.None);
        _a.Dispose();
        _b.Dispose();
        TestEngine.DropPostgresDatabase(_database);
    }

    [Fact]
    public async Task AChangeOnOneInstance_ReachesTheOther_InOrder_AndNotItself()
    {
        using var onA = new TableChangeNotifier(NullLogger<TableChangeNotifier>.Instance, _a);
        using var onB = new TableChangeNotifier(NullLogger<TableChangeNotifier>.Instance, _b);
        var heardOnB = new List<string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heardOnA = 0;
        using var subA = onA.SubscribeAll(_ => { Interlocked.Increment(ref heardOnA); return Task.CompletedTask; });
        using var subB = onB.SubscribeAll(c =>
        {
            lock (heardOnB)
            {
                heardOnB.Add(c.RecordIds[0]);
                if (heardOnB.Count == 3)
                {
                    all.TrySetResult();
                }
            }
            return Task.CompletedTask;
        });

        foreach (var id in new[] { "rec_1", "rec_2", "rec_3" })
        {
            onA.Publish(new TableChange("tbl_1", TableChangeKind.RecordsChanged, [id], "usr_1"));
        }

        await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["rec_1", "rec_2", "rec_3"], heardOnB);
        Assert.Equal(3, heardOnA); // its own three, published here once each, none echoed back
    }

    [Fact]
    public async Task ABurstOfEventsOfTwoKinds_ReachesTheOther_Complete_AndEachKindInOrder()
    {
        const int count = 1_500;
        using var tablesOnA = new TableChangeNotifier(NullLogger<TableChangeNotifier>.Instance, _a);
        using var tablesOnB = new TableChangeNotifier(NullLogger<TableChangeNotifier>.Instance, _b);
        using var incomingOnA = new IncomingWebhookNotifier(NullLogger<IncomingWebhookNotifier>.Instance, _a);
        using var incomingOnB = new IncomingWebhookNotifier(NullLogger<IncomingWebhookNotifier>.Instance, _b);
        var tables = new List<string>();
        var incoming = new List<string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Heard(List<string> into, string id)
        {
            lock (tables)
            {
                into.Add(id);
                if (tables.Count == count && incoming.Count == count)
                {
                    all.TrySetResult();
                }
            }
        }
        using var subTables = tablesOnB.SubscribeAll(c => { Heard(tables, c.RecordIds[0]); return Task.CompletedTask; });
        using var subIncoming = incomingOnB.SubscribeAll(a => { Heard(incoming, a.WebhookId); return Task.CompletedTask; });

        // Bodies of a few hundred bytes, with text that needs escaping, so the events fill notifications unevenly.
        var sample = JsonNode.Parse("""{"note":"line one\nline two \"quoted\" ünïcødé","n":1}""");
        for (var i = 0; i < count; i++)
        {
            tablesOnA.Publish(new TableChange("tbl_1", TableChangeKind.RecordsChanged, [$"rec_{i:D5}"], "usr_1"));
            incomingOnA.Publish(new IncomingActivity($"inw_{i:D5}", "tbl_1", i % 3 == 0 ? sample : null));
        }

        await all.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"rec_{i:D5}"), tables);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"inw_{i:D5}"), incoming);
    }
}
