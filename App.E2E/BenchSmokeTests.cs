using Undb.Bench;
using Undb.E2E.Support;

namespace Undb.E2E;

/// <summary>The benchmark harness runs end to end at its smallest size. Figures are not asserted: speed belongs to App.Bench runs, not tests.</summary>
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task Harness_RunsEveryBenchmark_AndFillsEveryFigure()
    {
        var lines = new List<string>();
        var report = await BenchMain.RunAsync(BenchMain.Sizes.Smoke, only: null, lines.Add);

        Assert.NotNull(report.Outbound);
        Assert.True(report.Outbound.EventsPerSec > 0 && report.Outbound.FloorPerSec > 0);
        Assert.True(report.Outbound.LatencyP50Ms > 0 && report.Outbound.LatencyP99Ms >= report.Outbound.LatencyP50Ms);
        Assert.NotNull(report.Incoming);
        Assert.True(report.Incoming.RequestsPerSec > 0 && report.Incoming.FloorPerSec > 0);
        Assert.True(report.Incoming.AppCpuMsPerRequest > 0 && report.Incoming.PacedAppCpuMsPerRequest > 0);
        Assert.Equal(2_000, report.Incoming.PacedPerSec);
        Assert.True(report.Incoming.PacedP50Ms > 0 && report.Incoming.PacedP99Ms >= report.Incoming.PacedP50Ms);
        // At the shipped log levels the app must not write a line per request (the smoke run makes hundreds).
        Assert.InRange(report.AppLogLines, 1, 50);
        Assert.NotNull(report.Grid);
        Assert.Equal(BenchMain.Sizes.Smoke.GridRows, report.Grid.Rows);
        Assert.True(report.Grid.FirstPageMs > 0 && report.Grid.SortedPageMs > 0 && report.Grid.SearchMs > 0);
        // Ordered delivery under eight concurrent writers: every change in commit order, sequences without gaps.
        Assert.NotNull(report.Ordering);
        Assert.Equal(BenchMain.Sizes.Smoke.OrderingChanges, report.Ordering.Changes);
        Assert.Equal(0, report.Ordering.OrderedOutOfOrder);
        Assert.Equal(0, report.Ordering.OrderedSequenceGaps);
        Assert.InRange(report.Ordering.UnorderedOutOfOrder, 0, report.Ordering.Changes);
        Assert.NotNull(report.Memory);
        Assert.True(report.Memory.PeakWorkingSetMb > 0);
        Assert.Contains(report.Machine, s => char.IsDigit(s));
    }

    /// <summary>
    /// The same on PostgreSQL with two app instances on one database, the load spread over both (<c>--provider postgres
    /// --instances 2</c> at its smallest); needs <c>UNDB_TEST_POSTGRES</c> and fails without it.
    /// </summary>
    [Fact]
    public async Task Harness_OnPostgres_WithTwoInstances_FillsEveryFigure_AndLosesNothing()
    {
        var lines = new List<string>();
        var report = await BenchMain.RunAsync(BenchTarget.Postgres(PostgresDatabase.ServerConnectionString(), 2), BenchMain.Sizes.Smoke, only: null, lines.Add);

        Assert.True(report.Outbound is { EventsPerSec: > 0, LatencyP50Ms: > 0 }, string.Join("\n", lines));
        Assert.True(report.Incoming is { RequestsPerSec: > 0, PacedP50Ms: > 0 });
        Assert.Equal(BenchMain.Sizes.Smoke.GridRows, report.Grid?.Rows);
        Assert.True(report.Memory is { PeakWorkingSetMb: > 0 });
        Assert.True(report.Ordering is { OrderedOutOfOrder: 0, OrderedSequenceGaps: 0 }, string.Join("\n", lines));
        Assert.Equal(0, report.LostDeliveries);
    }
}
