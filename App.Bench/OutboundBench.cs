using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Undb.Bench;

/// <summary>Sustained deliveries/s from record creations, the HttpClient floor, and commit-to-arrival latency at a paced rate.</summary>
public static class OutboundBench
{
    public sealed record Result(int Events, double EventsPerSec, double FloorPerSec, int PacedEvents, double PacedRate, double LatencyP50Ms, double LatencyP99Ms, double LatencyP999Ms);

    public static async Task<Result> RunAsync(AppCluster app, Receiver receiver, int events, double pacedSeconds, double pacedRate, Action<string> log)
    {
        using var api = app.CreateApiClient();
        var (tableId, secret) = await BenchApi.TableWithWebhookAsync(api, receiver, "Outbound bench");

        // Warm-up: JIT, connection pools, SQLite page cache.
        var start = receiver.DistinctEvents;
        await BenchApi.BulkCreateAsync(api, tableId, 0, 500, chunk: 100);
        await receiver.WaitForAsync(start + 500, TimeSpan.FromMinutes(2));

        start = receiver.DistinctEvents;
        var sw = Stopwatch.StartNew();
        await BenchApi.BulkCreateAsync(api, tableId, 1_000, events, chunk: 500);
        await receiver.WaitForAsync(start + events, TimeSpan.FromMinutes(10));
        var rate = events / sw.Elapsed.TotalSeconds;
        log($"  outbound: {events:N0} deliveries in {sw.Elapsed.TotalSeconds:F2} s");

        var floor = await FloorAsync(receiver, secret, events);

        var paced = (int)(pacedSeconds * pacedRate);
        var latencies = await PacedAsync(api, receiver, tableId, paced, pacedRate);
        return new Result(events, rate, floor, paced, pacedRate,
            Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 99), Stats.Percentile(latencies, 99.9));
    }

    /// <summary>Unmeasured load on a table of its own, for the warm-up phase: a bulk burst, then single creations at the paced rate.</summary>
    public static async Task WarmUpAsync(AppCluster app, Receiver receiver, int events, double pacedSeconds, double pacedRate)
    {
        using var api = app.CreateApiClient();
        var (tableId, _) = await BenchApi.TableWithWebhookAsync(api, receiver, "Outbound warm-up");
        var start = receiver.DistinctEvents;
        await BenchApi.BulkCreateAsync(api, tableId, 0, events, chunk: 500);
        await receiver.WaitForAsync(start + events, TimeSpan.FromMinutes(5));
        await PacedAsync(api, receiver, tableId, (int)(pacedSeconds * pacedRate), pacedRate);
    }

    /// <summary>The same signed POSTs straight from HttpClient to the same receiver: no database, no queue.</summary>
    private static async Task<double> FloorAsync(Receiver receiver, string secret, int events)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 });
        var start = receiver.Verified;
        var sw = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, events), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
        {
            var id = Receiver.FloorIdPrefix + i;
            var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
            var body = SamplePayload(i);
            var sig = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{ts}.{body}")));
            using var request = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("webhook-id", id);
            request.Headers.Add("webhook-timestamp", ts);
            request.Headers.Add("webhook-signature", "v1," + sig);
            using var response = await client.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
        });
        var elapsed = sw.Elapsed.TotalSeconds;
        if (receiver.Verified - start < events)
        {
            throw new InvalidOperationException("The floor's own signatures did not verify.");
        }
        return events / elapsed;
    }

    /// <summary>Creates one record every 1/rate seconds (no burst catch-up beyond schedule) and collects commit-to-arrival latencies.</summary>
    private static async Task<List<double>> PacedAsync(HttpClient api, Receiver receiver, string tableId, int count, double rate)
    {
        while (receiver.LatenciesMs.TryDequeue(out _))
        {
        }
        receiver.MeasureLatency = true;
        var start = receiver.DistinctEvents;
        var interval = TimeSpan.FromSeconds(1 / rate);
        var inFlight = new List<Task>(count);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var due = interval * i;
            var wait = due - sw.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            var n = 2_000_000 + i;
            inFlight.Add(Task.Run(async () =>
            {
                using var response = await api.PostAsync($"/api/tables/{tableId}/records",
                    JsonContent(new { values = BenchApi.Values(n) }));
                response.EnsureSuccessStatusCode();
            }));
        }
        await Task.WhenAll(inFlight);
        await receiver.WaitForAsync(start + count, TimeSpan.FromMinutes(2));
        receiver.MeasureLatency = false;
        return receiver.LatenciesMs.ToList();
    }

    private static StringContent JsonContent(object value) =>
        new(JsonSerializer.Serialize(value, BenchApi.Json), Encoding.UTF8, "application/json");

    /// <summary>A payload of the size and shape the app sends for a record.created event.</summary>
    private static string SamplePayload(int i) => JsonSerializer.Serialize(new
    {
        id = "evt_floor" + i,
        operatorId = "usr_bench",
        name = "record.created",
        timestamp = DateTimeOffset.UtcNow,
        @event = new
        {
            tableId = "tbl_bench",
            tableName = "Outbound bench",
            record = new { id = "rec_" + i, Name = $"Customer {i:D6}", Email = $"user{i}@example.com", Amount = i, Stage = "Lead", createdAt = DateTimeOffset.UtcNow, createdBy = new { id = "usr_bench", username = "bench@example.com" } },
        },
    });
}
