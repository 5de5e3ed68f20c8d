using System.Diagnostics;

namespace Undb.Bench;

/// <summary>Peak working set of a fresh app process while a burst of record creations fans out to one webhook (with several instances: the sum of their peaks).</summary>
public static class MemoryBench
{
    public sealed record Result(int BurstEvents, double PeakWorkingSetMb, double BaselineMb, double Seconds);

    public static async Task<Result> RunAsync(Receiver receiver, BenchTarget target, IDictionary<string, string> settings, int events, Action<string> log)
    {
        await using var app = await AppCluster.StartAsync(target, settings);
        using var api = app.CreateApiClient();
        var (tableId, _) = await BenchApi.TableWithWebhookAsync(api, receiver, "Memory bench");
        var baseline = app.WorkingSetMb();

        var start = receiver.DistinctEvents;
        var sw = Stopwatch.StartNew();
        await BenchApi.BulkCreateAsync(api, tableId, 0, events, chunk: 1000, parallel: 2);
        await receiver.WaitForAsync(start + events, TimeSpan.FromMinutes(20));
        var peak = app.PeakWorkingSetMb();
        log($"  burst of {events:N0} events delivered in {sw.Elapsed.TotalSeconds:F1} s; peak {peak:F0} MB (idle {baseline:F0} MB)");
        receiver.Expect(events);
        return new Result(events, peak, baseline, sw.Elapsed.TotalSeconds);
    }
}
