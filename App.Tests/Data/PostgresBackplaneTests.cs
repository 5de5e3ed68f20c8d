using Microsoft.Extensions.Logging.Abstractions;
using Undb.Data.Postgres;
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
}
