using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Undb.Bench;

/// <summary>
/// Issue #22's side-by-side: eight concurrent writers create records and then update each once, while two webhooks on
/// the table send every change to a loopback receiver — one ordered, one not. Commit order is the ordered webhook's
/// <c>sequence</c> (consecutive per webhook, assigned in the commit), so each change's rank is known on both; an
/// arrival is out of order when a change committed later had already arrived.
/// </summary>
public static class OrderingBench
{
    public const int Writers = 8;

    public sealed record Result(int Changes, int OrderedOutOfOrder, int OrderedSequenceGaps, double OrderedPerSec, int UnorderedOutOfOrder, double UnorderedPerSec);

    public static async Task<Result> RunAsync(AppCluster app, int changes, Action<string> log)
    {
        await using var receiver = await ArrivalRecorder.StartAsync();
        using var api = app.CreateApiClient();
        var tableId = await BenchApi.CreateTableAsync(api, "Ordering bench");
        string[] events = ["record.created", "record.updated"];
        await BenchApi.PostAsync(api, $"/api/tables/{tableId}/webhooks", new { name = "ordered", url = receiver.Url + "/ordered", events, ordered = true });
        await BenchApi.PostAsync(api, $"/api/tables/{tableId}/webhooks", new { name = "unordered", url = receiver.Url + "/unordered", events });

        var perWriter = Math.Max(1, changes / 2 / Writers);
        var total = perWriter * Writers * 2;
        var start = receiver.Now;
        await Parallel.ForEachAsync(Enumerable.Range(0, Writers), new ParallelOptions { MaxDegreeOfParallelism = Writers }, async (writer, ct) =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                var n = 3_000_000 + writer * perWriter + i;
                JsonObject created;
                try
                {
                    created = await BenchApi.PostAsync(api, $"/api/tables/{tableId}/records", new { values = BenchApi.Values(n) });
                }
                catch (InvalidOperationException ex)
                {
                    throw new InvalidOperationException(ex.Message + app.FailuresInLog(), ex);
                }
                var path = $"/api/tables/{tableId}/records/{created["id"]!.GetValue<string>()}";
                using var response = await api.PatchAsJsonAsync(path, new { values = new { Notes = $"Updated {n}" } }, ct);
                if (!response.IsSuccessStatusCode)
                {
                    // What the app said and logged, so a failure in a CI run can be understood from its output.
                    throw new InvalidOperationException($"PATCH {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}{app.FailuresInLog()}");
                }
            }
        });
        await receiver.WaitForAsync("/ordered", total, TimeSpan.FromMinutes(3));
        await receiver.WaitForAsync("/unordered", total, TimeSpan.FromMinutes(3));
        var orderedSeconds = (receiver.LastArrival("/ordered") - start).TotalSeconds;
        var unorderedSeconds = (receiver.LastArrival("/unordered") - start).TotalSeconds;

        // Commit rank of each change, from the ordered webhook's sequence.
        var ordered = receiver.Arrivals("/ordered");
        var rank = ordered.ToDictionary(a => a.Key, a => a.Sequence!.Value);
        var sequences = ordered.Select(a => a.Sequence!.Value).Order().ToList();
        var gaps = sequences.Zip(sequences.Skip(1)).Count(p => p.Second != p.First + 1) + (sequences.FirstOrDefault() == 1 ? 0 : 1);
        var orderedLate = OutOfOrder(ordered.Select(a => a.Sequence!.Value));
        var unorderedLate = OutOfOrder(receiver.Arrivals("/unordered").Select(a => rank[a.Key]));
        log($"  ordering: {total:N0} changes from {Writers} writers; ordered webhook {orderedLate} out of order, {gaps} sequence gaps; "
            + $"unordered {unorderedLate} out of order ({(double)unorderedLate / total:P0})");
        return new Result(total, orderedLate, gaps, total / orderedSeconds, unorderedLate, total / unorderedSeconds);
    }

    /// <summary>Arrivals whose change committed before one that had already arrived.</summary>
    private static int OutOfOrder(IEnumerable<long> ranksInArrivalOrder)
    {
        var late = 0;
        var highest = long.MinValue;
        foreach (var r in ranksInArrivalOrder)
        {
            if (r < highest)
            {
                late++;
            }
            highest = Math.Max(highest, r);
        }
        return late;
    }

    /// <summary>One delivery as it arrived: which change (event name and record id) and its sequence, if any.</summary>
    private sealed record Arrival(string Key, long? Sequence, TimeSpan At);

    /// <summary>Records, per path, the first arrival of each webhook-id (retries and redeliveries are not new arrivals).</summary>
    private sealed class ArrivalRecorder : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, ConcurrentQueue<Arrival>> _arrivals = new();
        private readonly ConcurrentDictionary<string, byte> _seen = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly object _gate = new();

        private ArrivalRecorder(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";

        public TimeSpan Now => _clock.Elapsed;

        public static async Task<ArrivalRecorder> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var recorder = new ArrivalRecorder(app);
            app.MapPost("/{path}", (Delegate)recorder.HandleAsync);
            await app.StartAsync();
            recorder.Url = app.Urls.First().TrimEnd('/');
            return recorder;
        }

        private async Task<IResult> HandleAsync(HttpContext context, string path)
        {
            var body = await JsonNode.ParseAsync(context.Request.Body);
            var id = context.Request.Headers["webhook-id"].ToString();
            var name = body!["name"]!.GetValue<string>();
            var key = name + ":" + body["event"]!["record"]!["id"]!.GetValue<string>();
            var sequence = body["sequence"]?.GetValue<long>();
            // Enqueued under a lock with the check, so the queue's order is the order the arrivals were taken in.
            lock (_gate)
            {
                if (_seen.TryAdd("/" + path + id, 0))
                {
                    _arrivals.GetOrAdd("/" + path, _ => new()).Enqueue(new Arrival(key, sequence, _clock.Elapsed));
                }
            }
            return Results.Ok();
        }

        public IReadOnlyList<Arrival> Arrivals(string path) => _arrivals.TryGetValue(path, out var q) ? q.ToList() : [];

        public TimeSpan LastArrival(string path) => Arrivals(path).Max(a => a.At);

        public async Task WaitForAsync(string path, int count, TimeSpan timeout)
        {
            var deadline = Stopwatch.StartNew();
            while (Arrivals(path).Count < count)
            {
                if (deadline.Elapsed > timeout)
                {
                    throw new TimeoutException($"{path}: {Arrivals(path).Count:N0} of {count:N0} changes arrived in {timeout.TotalMinutes:N0} min.");
                }
                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
