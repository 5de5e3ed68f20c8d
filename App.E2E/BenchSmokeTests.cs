using Undb.Bench;

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
        Assert.NotNull(report.Memory);
        Assert.True(report.Memory.PeakWorkingSetMb > 0);
        Assert.Contains(report.Machine, s => char.IsDigit(s));
    }
}
