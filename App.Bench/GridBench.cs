using System.Diagnostics;

namespace Undb.Bench;

/// <summary>
/// First page, a sorted page and a search on a large table, through GET /records — the REST route and the grid both
/// call RecordQueryService.ListAsync, so this is the grid's query path plus JSON serialisation of one page.
/// </summary>
public static class GridBench
{
    /// <summary><see cref="SortedPageMs"/>: the first page after sorting by a column, as a click on its header shows; <see cref="SortedDeepPageMs"/>: page 1,000 of that sort.</summary>
    public sealed record Result(int Rows, double FirstPageMs, double SortedPageMs, double SortedDeepPageMs, double SearchMs);

    public static async Task<Result> RunAsync(AppCluster app, int rows, Action<string> log)
    {
        using var api = app.CreateApiClient();
        var tableId = await BenchApi.CreateTableAsync(api, "Grid bench");
        var sw = Stopwatch.StartNew();
        await BenchApi.BulkCreateAsync(api, tableId, 0, rows);
        log($"  seeded {rows:N0} records in {sw.Elapsed.TotalSeconds:F1} s");

        var basePath = $"/api/tables/{tableId}/records?limit=50";
        var first = await MedianMsAsync(api, basePath + "&offset=0");
        var sorted = await MedianMsAsync(api, basePath + "&offset=0&sort=-Amount");
        var deep = await MedianMsAsync(api, basePath + $"&offset={rows / 2}&sort=-Amount");
        var search = await MedianMsAsync(api, basePath + "&offset=0&search=renewal");
        return new Result(rows, first, sorted, deep, search);
    }

    /// <summary>One warm-up, then the median of seven timed requests.</summary>
    private static async Task<double> MedianMsAsync(HttpClient api, string path)
    {
        (await api.GetAsync(path)).EnsureSuccessStatusCode();
        var times = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var sw = Stopwatch.StartNew();
            using var response = await api.GetAsync(path);
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        return Stats.Median(times);
    }
}
