using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Undb.Bench;

/// <summary>POST /hooks/{id} with a 1 KB nested JSON, each creating a record that fires one outbound webhook; floor: a bare Kestrel endpoint.</summary>
public static class IncomingBench
{
    /// <param name="AppCpuMsPerRequest">The app's CPU time per request, including the outbound delivery each one fires.</param>
    /// <param name="PacedP50Ms">Latency at a paced <paramref name="PacedRate"/> (open loop, from each request's scheduled start).</param>
    /// <param name="PacedAppCpuMsPerRequest">The app's CPU time per request at that rate: more than saturated, where batches are bigger and threads never idle.</param>
    public sealed record Result(
        double RequestsPerSec, double FloorPerSec, double LatencyP50Ms, double LatencyP99Ms, int Requests, double AppCpuMsPerRequest,
        double PacedRate, double PacedP50Ms, double PacedP99Ms, double PacedAppCpuMsPerRequest);

    /// <summary>The closed-loop clients (<c>UNDB_BENCH_INCOMING_CLIENTS</c>, 32 by default).</summary>
    public static int Workers { get; } = int.TryParse(Environment.GetEnvironmentVariable("UNDB_BENCH_INCOMING_CLIENTS"), out var n) ? n : 32;

    public static async Task<Result> RunAsync(AppCluster app, Receiver receiver, double seconds, double pacedRate, Action<string> log)
    {
        var (hookUrls, apiKey) = await SetUpAsync(app, receiver, "Incoming bench");
        var body = Payload();
        log($"  incoming payload: {Encoding.UTF8.GetByteCount(body)} bytes");

        var deliveredBefore = receiver.DistinctEvents;
        var cpuBefore = app.CpuTime();
        var (rate, latencies, count) = await LoadAsync(hookUrls, apiKey, body, TimeSpan.FromSeconds(Math.Min(2, seconds / 4)), TimeSpan.FromSeconds(seconds), 201);
        // Each accepted request created a record whose record.created must reach the receiver too.
        await receiver.WaitForAsync(deliveredBefore + count, TimeSpan.FromMinutes(5));
        var cpuMsPerRequest = (app.CpuTime() - cpuBefore).TotalMilliseconds / count;
        log("  incoming latency p50 / p90 / p95 / p99 / p99.9 / max: "
            + Stats.Spread(latencies, 50, 90, 95, 99, 99.9, 100) + " ms");

        // The same requests at a fixed rate, the way senders really arrive: how long each waits at that rate.
        deliveredBefore = receiver.DistinctEvents;
        cpuBefore = app.CpuTime();
        var benchCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var paced = await PacedAsync(hookUrls, apiKey, body, pacedRate, TimeSpan.FromSeconds(seconds));
        await receiver.WaitForAsync(deliveredBefore + paced.Count, TimeSpan.FromMinutes(5));
        var pacedCpuMs = (app.CpuTime() - cpuBefore).TotalMilliseconds / paced.Count;
        var benchCpuMs = (Process.GetCurrentProcess().TotalProcessorTime - benchCpuBefore).TotalMilliseconds / paced.Count;
        log("  incoming at a paced " + pacedRate.ToString("N0") + "/s, latency p50 / p90 / p99 / p99.9 / max: "
            + Stats.Spread(paced, 50, 90, 99, 99.9, 100) + $" ms; CPU per request: app {pacedCpuMs:F2} ms, load generator and receiver {benchCpuMs:F2} ms");

        await using var floor = await FloorServer.StartAsync();
        var (floorRate, _, _) = await LoadAsync([floor.Url], apiKey, body, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(seconds), 201);
        // What the paced load costs by itself: the same schedule against the bare endpoint (the load generator shares the cores).
        var pacedFloor = await PacedAsync([floor.Url], apiKey, body, pacedRate, TimeSpan.FromSeconds(seconds));
        log("  floor at a paced " + pacedRate.ToString("N0") + "/s, latency p50 / p90 / p99 / p99.9 / max: "
            + Stats.Spread(pacedFloor, 50, 90, 99, 99.9, 100) + " ms");
        return new Result(rate, floorRate, Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 99), count, cpuMsPerRequest,
            pacedRate, Stats.Percentile(paced, 50), Stats.Percentile(paced, 99), pacedCpuMs);
    }

    /// <summary>Unmeasured load on a table of its own, for the warm-up phase; returns the requests made once all their deliveries arrived.</summary>
    public static async Task<int> WarmUpAsync(AppCluster app, Receiver receiver, TimeSpan duration, string tableName = "Incoming warm-up")
    {
        var (hookUrls, apiKey) = await SetUpAsync(app, receiver, tableName);
        var deliveredBefore = receiver.DistinctEvents;
        var (_, _, count) = await LoadAsync(hookUrls, apiKey, Payload(), TimeSpan.Zero, duration, 201);
        await receiver.WaitForAsync(deliveredBefore + count, TimeSpan.FromMinutes(5));
        return count;
    }

    /// <summary>A table with one outbound webhook to the receiver and one incoming webhook mapping <see cref="Payload"/>; returns its URL on each instance and its key.</summary>
    private static async Task<(IReadOnlyList<string> Urls, string ApiKey)> SetUpAsync(AppCluster app, Receiver receiver, string tableName)
    {
        using var api = app.CreateApiClient();
        var (tableId, _) = await BenchApi.TableWithWebhookAsync(api, receiver, tableName);
        var incoming = await BenchApi.PostAsync(api, $"/api/tables/{tableId}/incoming-webhooks", new
        {
            name = "bench",
            enabled = true,
            mapping = new
            {
                recordsPath = (string?)null,
                fields = new Dictionary<string, string>
                {
                    ["Name"] = "$.customer.name",
                    ["Email"] = "$.customer.contact.email",
                    ["Amount"] = "$.order.total",
                    ["Stage"] = "$.order.stage",
                    ["Notes"] = "$.order.lines[0].description",
                },
            },
        });
        var id = incoming["id"]!.GetValue<string>();
        return (app.BaseUrls.Select(u => u + "/hooks/" + id).ToList(), incoming["apiKey"]!.GetValue<string>());
    }

    /// <summary>Closed-loop load: <see cref="Workers"/> clients each send the next request when the last one answers.</summary>
    private static async Task<(double Rate, List<double> LatenciesMs, int Count)> LoadAsync(IReadOnlyList<string> urls, string apiKey, string body, TimeSpan warmUp, TimeSpan duration, int expectedStatus)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Workers });
        var latencies = new ConcurrentBag<double>();
        var count = 0;
        var failures = 0;
        string? firstFailure = null;
        var total = Stopwatch.StartNew();
        var measureFrom = warmUp;
        var next = -1; // with several instances, each request goes to the next one
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(async _ =>
        {
            while (total.Elapsed < warmUp + duration)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, urls[(int)((uint)Interlocked.Increment(ref next) % (uint)urls.Count)]) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("X-Api-Key", apiKey);
                var sw = Stopwatch.StartNew();
                using var response = await client.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                var ms = sw.Elapsed.TotalMilliseconds;
                if ((int)response.StatusCode != expectedStatus)
                {
                    Interlocked.Increment(ref failures);
                    firstFailure ??= $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
                    continue;
                }
                Interlocked.Increment(ref count);
                if (total.Elapsed >= measureFrom)
                {
                    latencies.Add(ms);
                }
            }
        }));
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} requests failed; first: {firstFailure}");
        }
        return (latencies.Count / duration.TotalSeconds, latencies.ToList(), count);
    }

    /// <summary>
    /// Open-loop load: request i starts at i / rate seconds whether or not earlier ones have answered, and its latency
    /// counts from that scheduled start, so time spent queued behind slow answers is counted, not hidden.
    /// </summary>
    private static async Task<List<double>> PacedAsync(IReadOnlyList<string> urls, string apiKey, string body, double rate, TimeSpan duration)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 });
        var count = (int)(rate * duration.TotalSeconds);
        var latencies = new double[count];
        var sends = new List<Task>(count);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            if (due - clock.Elapsed is { } wait && wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            var n = i;
            sends.Add(Task.Run(async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, urls[n % urls.Count]) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("X-Api-Key", apiKey);
                using var response = await client.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                if ((int)response.StatusCode != 201)
                {
                    throw new InvalidOperationException($"paced request failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
                latencies[n] = (clock.Elapsed - due).TotalMilliseconds;
            }));
        }
        await Task.WhenAll(sends);
        return [.. latencies];
    }

    /// <summary>About 1 KB of nested JSON, shaped like a CRM or shop event.</summary>
    public static string Payload()
    {
        var node = new JsonObject
        {
            ["type"] = "order.created",
            ["customer"] = new JsonObject
            {
                ["name"] = "Grace Hopper",
                ["contact"] = new JsonObject { ["email"] = "grace@example.com", ["phone"] = "+1 555 0100" },
                ["address"] = new JsonObject { ["street"] = "1 Navy Way", ["city"] = "Arlington", ["zip"] = "22202", ["country"] = "US" },
            },
            ["order"] = new JsonObject
            {
                ["id"] = "ord_8f2c1d9e4b7a",
                ["total"] = 1299.5,
                ["currency"] = "USD",
                ["stage"] = "Won",
                ["lines"] = new JsonArray(
                    new JsonObject { ["sku"] = "SKU-001", ["description"] = "Annual subscription, team plan", ["qty"] = 1, ["price"] = 999.5 },
                    new JsonObject { ["sku"] = "SKU-002", ["description"] = "Onboarding workshop", ["qty"] = 1, ["price"] = 300 }),
            },
            ["meta"] = new JsonObject { ["source"] = "bench", ["notes"] = new string('x', 380) },
        };
        return node.ToJsonString();
    }

    /// <summary>The floor: Kestrel parsing the same JSON and answering 201, nothing else.</summary>
    private sealed class FloorServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FloorServer(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";

        public static async Task<FloorServer> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapPost("/floor", async (HttpRequest request) =>
            {
                using var doc = await JsonDocument.ParseAsync(request.Body);
                return Results.Json(new { recordIds = new[] { "rec_floor" } }, statusCode: 201);
            });
            await app.StartAsync();
            return new FloorServer(app) { Url = app.Urls.First().TrimEnd('/') + "/floor" };
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
