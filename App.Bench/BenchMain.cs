using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Undb.Bench;

/// <summary>
/// <c>dotnet run -c Release --project App.Bench -- [--quick|--profile|--smoke] [--cold] [--json PATH] [--only outbound,incoming,grid,ordering,memory]
/// [--provider postgres [--instances N] [--postgres CONNSTRING]]</c>:
/// measures the real app next to raw floors on this machine, prints a table and writes JSON. With <c>--provider postgres</c>
/// the same benchmarks run on SQLite first and then on PostgreSQL (a fresh database per app start on the server that
/// <c>--postgres</c> or <c>UNDB_TEST_POSTGRES</c> names; <c>--instances N</c> app processes on it, the load spread over them
/// round-robin), and the table shows both side by side, with the deliveries lost and duplicated on each.
/// The app first runs an unmeasured warm-up of the same kinds of load (skipped by <c>--cold</c> and <c>--smoke</c>), so the
/// figures are of a running server rather than of a process whose hot code the runtime is still compiling.
/// </summary>
public static class BenchMain
{
    public sealed record Sizes(int OutboundEvents, double PacedSeconds, double IncomingSeconds, int GridRows, int BurstEvents, bool WarmUp = true, int OrderingChanges = 4_000)
    {
        public static readonly Sizes Full = new(20_000, 20, 15, 100_000, 100_000);
        public static readonly Sizes Quick = new(4_000, 5, 5, 100_000, 20_000, OrderingChanges: 2_000);
        /// <summary>Quick, but with a 20 s incoming run: long enough to attach <c>dotnet-trace</c> to the app.</summary>
        public static readonly Sizes Profile = new(4_000, 5, 20, 100_000, 20_000, OrderingChanges: 2_000);
        /// <summary>Enough to prove the harness works end to end (the smoke test in ./test.sh).</summary>
        public static readonly Sizes Smoke = new(200, 1, 1, 500, 300, WarmUp: false, OrderingChanges: 160);
    }

    /// <summary>The warm-up: a bulk burst, paced single creations and incoming requests, each on a table of its own.</summary>
    private const int WarmUpEvents = 6_000;
    private const double WarmUpPacedSeconds = 4;
    private static readonly TimeSpan WarmUpIncoming = TimeSpan.FromSeconds(6);
    /// <summary>After the warm-up proper, incoming load in rounds of this length until the background JIT used at most <see cref="WarmUpSettledJit"/> in one.</summary>
    private static readonly TimeSpan WarmUpSettleRound = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan WarmUpSettledJit = TimeSpan.FromMilliseconds(50);
    /// <summary>Per app process: each process compiles its own code, and N processes share the same two cores.</summary>
    private const int WarmUpMaxSettleRounds = 15;
    /// <summary>The incoming target's rate (issue #7: 2,000 requests/s with p99 ≤ 20 ms), at which the paced latency is taken.</summary>
    private const double IncomingPacedRate = 2_000;

    public static async Task<int> Main(string[] args)
    {
        var quick = args.Contains("--quick");
        var smoke = args.Contains("--smoke");
        var jsonPath = ValueOf(args, "--json");
        var only = ValueOf(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sizes = smoke ? Sizes.Smoke : args.Contains("--profile") ? Sizes.Profile : quick ? Sizes.Quick : Sizes.Full;
        if (args.Contains("--cold"))
        {
            sizes = sizes with { WarmUp = false };
        }
        var provider = ValueOf(args, "--provider") ?? "sqlite";
        var instancesText = ValueOf(args, "--instances");
        if (provider.Equals("postgres", StringComparison.OrdinalIgnoreCase) || provider.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            var instances = instancesText is null ? 1 : int.TryParse(instancesText, out var n) && n is >= 1 and <= 16 ? n : -1;
            var server = ValueOf(args, "--postgres") ?? Environment.GetEnvironmentVariable("UNDB_TEST_POSTGRES");
            if (instances < 1 || string.IsNullOrWhiteSpace(server))
            {
                Console.Error.WriteLine(instances < 1
                    ? "--instances takes a number from 1 to 16."
                    : "--provider postgres needs a server: --postgres \"Host=…;Port=…;Username=…;Database=postgres\" or UNDB_TEST_POSTGRES (scripts/with-postgres.sh sets it).");
                return 2;
            }
            return await CompareAsync(sizes, only, jsonPath, BenchTarget.Postgres(server, instances));
        }
        if (!provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase) || instancesText is not null)
        {
            Console.Error.WriteLine("--provider is sqlite (the default) or postgres; --instances needs --provider postgres (SQLite serves one instance).");
            return 2;
        }
        try
        {
            var report = await RunAsync(sizes, only, Console.WriteLine);
            Print(report);
            if (jsonPath is not null)
            {
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, BenchApi.Json));
                Console.WriteLine($"JSON written to {jsonPath}");
            }
            return 0;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine("Benchmark failed: " + ex);
            return 1;
        }
    }

    public static Task<BenchReport> RunAsync(Sizes sizes, string[]? only, Action<string> log) =>
        RunAsync(BenchTarget.Sqlite, sizes, only, log, countLosses: false);

    /// <param name="countLosses">Also count, at the end, the events the app should have sent and compare with what arrived (<see cref="BenchReport.LostDeliveries"/>).</param>
    public static async Task<BenchReport> RunAsync(BenchTarget target, Sizes sizes, string[]? only, Action<string> log, bool countLosses = true)
    {
        bool Wanted(string name) => only is null || only.Contains(name, StringComparer.OrdinalIgnoreCase);
        var settings = AppSettings();
        var total = Stopwatch.StartNew();
        await using var receiver = await Receiver.StartAsync();
        var report = new BenchReport { Machine = Machine() };

        await using (var app = await AppCluster.StartAsync(target, settings))
        {
            if (sizes.WarmUp && (Wanted("outbound") || Wanted("incoming")))
            {
                log("warm-up (not measured)…");
                var warm = Stopwatch.StartNew();
                await OutboundBench.WarmUpAsync(app, receiver, WarmUpEvents, WarmUpPacedSeconds, 500);
                var requests = await IncomingBench.WarmUpAsync(app, receiver, WarmUpIncoming);
                // Warm means the JIT has finished: keep the load on until the background JIT stops recompiling
                // (on 2 busy cores it lags behind; otherwise the first measured seconds share the cores with it).
                var jitBefore = app.JitCpuTime();
                var rounds = 0;
                TimeSpan jitInRound;
                do
                {
                    var before = app.JitCpuTime();
                    requests += await IncomingBench.WarmUpAsync(app, receiver, WarmUpSettleRound, $"Incoming warm-up {rounds + 2}");
                    jitInRound = app.JitCpuTime() - before;
                    rounds++;
                }
                while (jitInRound > WarmUpSettledJit && rounds < WarmUpMaxSettleRounds * app.Instances.Count);
                report.WarmUpSeconds = Round(warm.Elapsed.TotalSeconds, 1);
                log($"  warm-up: {WarmUpEvents:N0} bulk + {WarmUpPacedSeconds * 500:N0} paced creations, {requests:N0} incoming requests in {report.WarmUpSeconds} s; "
                    + $"background JIT {(app.JitCpuTime() - jitBefore).TotalSeconds:F1} s CPU in {rounds} settling round(s) of {WarmUpSettleRound.TotalSeconds:N0} s, "
                    + $"{jitInRound.TotalMilliseconds:N0} ms in the last{(jitInRound > WarmUpSettledJit ? " (not settled)" : "")}");
            }
            if (Wanted("outbound"))
            {
                log("outbound…");
                var o = await OutboundBench.RunAsync(app, receiver, sizes.OutboundEvents, sizes.PacedSeconds, 500, log);
                report.Outbound = new OutboundFigures(Round(o.EventsPerSec), Round(o.FloorPerSec), Round(o.LatencyP50Ms, 2), Round(o.LatencyP99Ms, 2), Round(o.LatencyP999Ms, 2));
            }
            if (Wanted("incoming"))
            {
                log("incoming…");
                var i = await IncomingBench.RunAsync(app, receiver, sizes.IncomingSeconds, IncomingPacedRate, log);
                report.Incoming = new IncomingFigures(Round(i.RequestsPerSec), Round(i.FloorPerSec), Round(i.LatencyP50Ms, 2), Round(i.LatencyP99Ms, 2),
                    Round(i.AppCpuMsPerRequest, 3), Round(i.PacedRate), Round(i.PacedP50Ms, 2), Round(i.PacedP99Ms, 2),
                    Round(i.PacedAppCpuMsPerRequest, 3));
            }
            if (Wanted("grid"))
            {
                log("grid…");
                var g = await GridBench.RunAsync(app, sizes.GridRows, log);
                report.Grid = new GridFigures(g.Rows, Round(g.FirstPageMs, 2), Round(g.SortedPageMs, 2), Round(g.SearchMs, 2), Round(g.SortedDeepPageMs, 2));
            }
            if (Wanted("ordering"))
            {
                log("ordering…");
                var o = await OrderingBench.RunAsync(app, sizes.OrderingChanges, log);
                report.Ordering = new OrderingFigures(o.Changes, OrderingBench.Writers, o.OrderedOutOfOrder, o.OrderedSequenceGaps, Round(o.OrderedPerSec),
                    o.UnorderedOutOfOrder, Round(o.UnorderedPerSec));
            }
            report.AppLogLines = app.LogLines;
            if (countLosses)
            {
                receiver.Expect(await ExpectedEventsAsync(app, receiver.Url));
            }
        }
        if (Wanted("memory"))
        {
            log("memory…");
            var m = await MemoryBench.RunAsync(receiver, target, settings, sizes.BurstEvents, log);
            report.Memory = new MemoryFigures(m.BurstEvents, Round(m.PeakWorkingSetMb, 1));
        }
        report.DuplicateDeliveries = receiver.Duplicates;
        if (countLosses)
        {
            report.LostDeliveries = receiver.Lost;
        }
        report.Seconds = Round(total.Elapsed.TotalSeconds, 1);
        return report;
    }

    /// <summary>
    /// <c>--provider postgres</c>: the same benchmarks on SQLite and then on <paramref name="postgres"/>, each figure
    /// beside the other's, with the machine's load average before and after (other work on the cores skews both).
    /// </summary>
    private static async Task<int> CompareAsync(Sizes sizes, string[]? only, string? jsonPath, BenchTarget postgres)
    {
        try
        {
            var comparison = new ComparisonReport { Instances = postgres.Instances, LoadAverageBefore = LoadAverage() };
            Console.WriteLine("SQLite (one instance)…");
            comparison.Sqlite = await RunAsync(BenchTarget.Sqlite, sizes, only, Console.WriteLine);
            Console.WriteLine($"{postgres.Name} ({postgres.Instances} instance{(postgres.Instances == 1 ? "" : "s")} on one database)…");
            comparison.Postgres = await RunAsync(postgres, sizes, only, Console.WriteLine);
            comparison.LoadAverageAfter = LoadAverage();
            comparison.Machine = comparison.Sqlite.Machine;
            PrintComparison(comparison, postgres.Name);
            if (jsonPath is not null)
            {
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(comparison, BenchApi.Json));
                Console.WriteLine($"JSON written to {jsonPath}");
            }
            return comparison.Sqlite.LostDeliveries > 0 || comparison.Postgres.LostDeliveries > 0 ? 3 : 0;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine("Benchmark failed: " + ex);
            return 1;
        }
    }

    /// <summary>
    /// The record.created events the app should have sent: one per record in every table that has a webhook (all of them
    /// point at the receiver; the grid's table has none).
    /// </summary>
    private static async Task<long> ExpectedEventsAsync(AppCluster app, string receiverUrl)
    {
        using var api = app.CreateApiClient();
        var tables = (await api.GetFromJsonAsync<JsonObject>("/api/tables"))!["items"]!.AsArray();
        long expected = 0;
        foreach (var table in tables)
        {
            var id = table!["id"]!.GetValue<string>();
            var webhooks = (await api.GetFromJsonAsync<JsonObject>($"/api/tables/{id}/webhooks"))!["items"]!.AsArray();
            // The ordering bench's webhooks go to a receiver of its own.
            if (webhooks.Any(w => w!["url"]!.GetValue<string>() == receiverUrl))
            {
                expected += (await api.GetFromJsonAsync<JsonObject>($"/api/tables/{id}/records?limit=1"))!["total"]!.GetValue<long>();
            }
        }
        return expected;
    }

    private static void PrintComparison(ComparisonReport c, string name)
    {
        var (s, p) = (c.Sqlite!, c.Postgres!);
        Console.WriteLine();
        Console.WriteLine($"Undb.Blazor benchmarks, SQLite beside {name} — {c.Machine}");
        Console.WriteLine($"(load average before {c.LoadAverageBefore}, after {c.LoadAverageAfter}; "
            + (s.WarmUpSeconds > 0 ? "each after an unmeasured warm-up)" : "cold: no warm-up)"));
        Console.WriteLine(new string('-', 100));
        Compare("", "SQLite", name, "ratio");
        if (s.Outbound is { } so && p.Outbound is { } po)
        {
            Compare("Outbound deliveries/s (signed, verified)", $"{so.EventsPerSec:N0}/s", $"{po.EventsPerSec:N0}/s", Times(po.EventsPerSec, so.EventsPerSec));
            Compare("  its floor (HttpClient to the receiver)", $"{so.FloorPerSec:N0}/s", $"{po.FloorPerSec:N0}/s", "");
            Compare("Commit→arrival at 500/s  p50 / p99 / p99.9", $"{so.LatencyP50Ms:F1} / {so.LatencyP99Ms:F1} / {so.LatencyP999Ms:F1} ms",
                $"{po.LatencyP50Ms:F1} / {po.LatencyP99Ms:F1} / {po.LatencyP999Ms:F1} ms", "");
        }
        if (s.Incoming is { } si && p.Incoming is { } pi)
        {
            Compare("Incoming POST /hooks (1 KB JSON → record → webhook)", $"{si.RequestsPerSec:N0}/s", $"{pi.RequestsPerSec:N0}/s", Times(pi.RequestsPerSec, si.RequestsPerSec));
            Compare("  its floor (bare Kestrel)", $"{si.FloorPerSec:N0}/s", $"{pi.FloorPerSec:N0}/s", "");
            Compare($"Incoming latency p50 / p99 (saturated, {IncomingBench.Workers} clients)", $"{si.LatencyP50Ms:F1} / {si.LatencyP99Ms:F1} ms", $"{pi.LatencyP50Ms:F1} / {pi.LatencyP99Ms:F1} ms", "");
            Compare($"Incoming latency p50 / p99 at a paced {si.PacedPerSec:N0}/s", $"{si.PacedP50Ms:F1} / {si.PacedP99Ms:F1} ms", $"{pi.PacedP50Ms:F1} / {pi.PacedP99Ms:F1} ms", "");
            Compare("Incoming: app CPU/request, saturated / paced", $"{si.AppCpuMsPerRequest:F2} / {si.PacedAppCpuMsPerRequest:F2} ms", $"{pi.AppCpuMsPerRequest:F2} / {pi.PacedAppCpuMsPerRequest:F2} ms", "");
        }
        if (s.Grid is { } sg && p.Grid is { } pg)
        {
            Compare($"Grid on {sg.Rows:N0} records: first / sorted / search", $"{sg.FirstPageMs:F1} / {sg.SortedPageMs:F1} / {sg.SearchMs:F1} ms", $"{pg.FirstPageMs:F1} / {pg.SortedPageMs:F1} / {pg.SearchMs:F1} ms", "");
            Compare($"Grid: sorted page at offset {sg.Rows / 2:N0}", $"{sg.SortedDeepPageMs:F1} ms", $"{pg.SortedDeepPageMs:F1} ms", "");
        }
        if (s.Ordering is { } sod && p.Ordering is { } pod)
        {
            Compare($"Ordering ({sod.Writers} writers): out of order, ordered / unordered", $"{sod.OrderedOutOfOrder} / {sod.UnorderedOutOfOrder} of {sod.Changes:N0}",
                $"{pod.OrderedOutOfOrder} / {pod.UnorderedOutOfOrder} of {pod.Changes:N0}", "");
            Compare("Ordering: changes/s delivered, ordered / unordered", $"{sod.OrderedPerSec:N0} / {sod.UnorderedPerSec:N0}", $"{pod.OrderedPerSec:N0} / {pod.UnorderedPerSec:N0}", "");
        }
        if (s.Memory is { } sm && p.Memory is { } pm)
        {
            Compare($"Peak working set, {sm.BurstEvents:N0}-event burst{(c.Instances > 1 ? " (sum)" : "")}", $"{sm.PeakWorkingSetMb:F0} MB", $"{pm.PeakWorkingSetMb:F0} MB", "");
        }
        Compare("Deliveries lost / duplicated", $"{s.LostDeliveries} / {s.DuplicateDeliveries}", $"{p.LostDeliveries} / {p.DuplicateDeliveries}", "");
        Compare("Took", $"{s.Seconds:F0} s", $"{p.Seconds:F0} s", "");
        Console.WriteLine("Targets (issue #19): PostgreSQL outbound and incoming ≥ 0.5× SQLite's; three instances no slower than one; zero lost.");
    }

    private static void Compare(string what, string sqlite, string postgres, string ratio) =>
        Console.WriteLine($"{what,-54} {sqlite,-24} {postgres,-24} {ratio}");

    private static string Times(double value, double baseline) => baseline > 0 ? $"{value / baseline:F2}×" : "";

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>The app as an operator would run it, but allowed to reach the loopback receiver and not rate-limited for the load test.</summary>
    private static Dictionary<string, string> AppSettings() => new()
    {
        ["Webhooks:AllowPrivateNetworks"] = "true",
        ["IncomingWebhooks:RateLimitPermits"] = "1000000",
        ["IncomingWebhooks:RateLimitWindow"] = "00:00:01",
    };

    private static void Print(BenchReport r)
    {
        Console.WriteLine();
        Console.WriteLine($"Undb.Blazor benchmarks — {r.Machine}");
        Console.WriteLine(r.WarmUpSeconds > 0 ? $"(after a {r.WarmUpSeconds:F0} s unmeasured warm-up of the app process)" : "(cold: no warm-up)");
        Console.WriteLine(new string('-', 78));
        if (r.Outbound is { } o)
        {
            Row("Outbound deliveries/s (signed, verified)", $"{o.EventsPerSec:N0}/s", $"floor {o.FloorPerSec:N0}/s", Ratio(o.EventsPerSec, o.FloorPerSec));
            Row("Commit→arrival at 500/s  p50 / p99 / p99.9", $"{o.LatencyP50Ms:F1} / {o.LatencyP99Ms:F1} / {o.LatencyP999Ms:F1} ms", "", "");
        }
        if (r.Incoming is { } i)
        {
            Row("Incoming POST /hooks (1 KB JSON → record → webhook)", $"{i.RequestsPerSec:N0}/s", $"floor {i.FloorPerSec:N0}/s", Ratio(i.RequestsPerSec, i.FloorPerSec));
            Row($"Incoming latency p50 / p99 (saturated, {IncomingBench.Workers} client{(IncomingBench.Workers == 1 ? "" : "s")})", $"{i.LatencyP50Ms:F1} / {i.LatencyP99Ms:F1} ms", "", "");
            Row($"Incoming latency p50 / p99 at a paced {i.PacedPerSec:N0}/s", $"{i.PacedP50Ms:F1} / {i.PacedP99Ms:F1} ms", "", "");
            Row("Incoming: app CPU per request (incl. delivery)", $"{i.AppCpuMsPerRequest:F2} ms saturated, {i.PacedAppCpuMsPerRequest:F2} ms paced", "", "");
        }
        if (r.Grid is { } g)
        {
            Row($"Grid on {g.Rows:N0} records: first / sorted / search", $"{g.FirstPageMs:F1} / {g.SortedPageMs:F1} / {g.SearchMs:F1} ms", "", "");
            Row($"Grid: sorted page at offset {g.Rows / 2:N0}", $"{g.SortedDeepPageMs:F1} ms", "", "");
        }
        if (r.Ordering is { } od)
        {
            Row($"Ordering: {od.Changes:N0} changes, {od.Writers} writers — out of order", $"ordered {od.OrderedOutOfOrder} ({od.OrderedSequenceGaps} gaps)", $"unordered {od.UnorderedOutOfOrder}", $"{(double)od.UnorderedOutOfOrder / od.Changes:P0} of unordered");
            Row("Ordering: changes/s delivered, ordered / unordered", $"{od.OrderedPerSec:N0} / {od.UnorderedPerSec:N0}", "", "");
        }
        if (r.Memory is { } m)
        {
            Row($"Peak working set, {m.BurstEvents:N0}-event burst", $"{m.PeakWorkingSetMb:F0} MB", "", "");
        }
        Console.WriteLine($"(took {r.Seconds:F0} s; {r.DuplicateDeliveries} events arrived more than once; the app wrote {r.AppLogLines} log lines)");
    }

    private static void Row(string what, string value, string floor, string ratio) =>
        Console.WriteLine($"{what,-52} {value,-22} {floor,-16} {ratio}");

    private static string Ratio(double value, double floor) => floor > 0 ? $"{value / floor:P0} of floor" : "";

    private static double Round(double v, int digits = 0) => double.IsFinite(v) ? Math.Round(v, digits) : 0;

    private static string? ValueOf(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memGb = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024 / 1024;
        return $"{Environment.ProcessorCount} cores ({cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}), {memGb:F0} GB, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}";
    }
}

public sealed record OutboundFigures(double EventsPerSec, double FloorPerSec, double LatencyP50Ms, double LatencyP99Ms, double LatencyP999Ms);

/// <param name="LatencyP50Ms">Closed loop at saturation (each client sends again when answered): latency there is clients ÷ rate.</param>
/// <param name="PacedP50Ms">Open loop at <paramref name="PacedPerSec"/>, the target's rate: latency as senders arriving at that rate see it.</param>
public sealed record IncomingFigures(
    double RequestsPerSec, double FloorPerSec, double LatencyP50Ms, double LatencyP99Ms, double AppCpuMsPerRequest,
    double PacedPerSec, double PacedP50Ms, double PacedP99Ms, double PacedAppCpuMsPerRequest);

public sealed record GridFigures(int Rows, double FirstPageMs, double SortedPageMs, double SearchMs, double SortedDeepPageMs);

/// <param name="OrderedOutOfOrder">Arrivals at the ordered webhook after a later-committed change had arrived: 0 by design.</param>
public sealed record OrderingFigures(int Changes, int Writers, int OrderedOutOfOrder, int OrderedSequenceGaps, double OrderedPerSec, int UnorderedOutOfOrder, double UnorderedPerSec);

public sealed record MemoryFigures(int BurstEvents, double PeakWorkingSetMb);

public sealed class BenchReport
{
    public OutboundFigures? Outbound { get; set; }
    public IncomingFigures? Incoming { get; set; }
    public GridFigures? Grid { get; set; }
    public OrderingFigures? Ordering { get; set; }
    public MemoryFigures? Memory { get; set; }
    public string Machine { get; set; } = "";
    /// <summary>Events the receiver got more than once over the whole run (at-least-once allows it; no figure counts them).</summary>
    public long DuplicateDeliveries { get; set; }

    /// <summary>Console lines the app wrote during the run, at its shipped log levels: a handful, unless something logs per request.</summary>
    public int AppLogLines { get; set; }

    /// <summary>Events the app should have sent that never reached the receiver (counted only in <c>--provider</c> runs).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? LostDeliveries { get; set; }
    /// <summary>How long the app ran the unmeasured warm-up before the figures were taken; 0 for a cold run.</summary>
    public double WarmUpSeconds { get; set; }
    public double Seconds { get; set; }
}

/// <summary><c>--provider postgres</c>: the same run on SQLite and on PostgreSQL (with <see cref="Instances"/> app processes).</summary>
public sealed class ComparisonReport
{
    public string Machine { get; set; } = "";
    public int Instances { get; set; }
    public string LoadAverageBefore { get; set; } = "";
    public string LoadAverageAfter { get; set; } = "";
    public BenchReport? Sqlite { get; set; }
    public BenchReport? Postgres { get; set; }
}
