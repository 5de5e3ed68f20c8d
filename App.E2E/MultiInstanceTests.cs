using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Undb.E2E.Grid;
using Undb.E2E.Support;
using Undb.E2E.Webhooks;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Undb.E2E;

/// <summary>
/// Issue #19's acceptance: three app processes on one PostgreSQL database and a loopback receiver verifying signatures;
/// eight clients create records spread over the three; one instance is killed with SIGKILL mid-burst; then every
/// committed record's <c>record.created</c> has arrived (duplicates allowed and reported, losses not), no delivery has
/// overlapping attempts from two instances, a record written through one instance shows live in a browser grid on
/// another, and a webhook secret created on one is readable on another.
/// Needs <c>UNDB_TEST_POSTGRES</c> (<c>scripts/with-postgres.sh dotnet test App.E2E</c>); fails without it.
/// </summary>
[Collection(ProcessHeavyCollection.Name)]
public sealed class MultiInstanceTests(ITestOutputHelper output)
{
    private const int Clients = 8;
    private const int RecordsPerClient = 60;
    private const int KillAfter = 150;

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private void Mark(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s: {what}");

    [Fact]
    public async Task ThreeInstances_OneKilledMidBurst_EveryCommittedRecordDelivered_NoOverlappingAttempts_LiveGridAndSecretsAcrossInstances()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        Mark($"database {database.Name}");
        await using var receiver = await VerifyingReceiver.StartAsync();

        var names = new[] { "multi-a", "multi-b", "multi-c" };
        var servers = names.Select(name => new AppServer(new Dictionary<string, string>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Default"] = database.ConnectionString,
            ["Webhooks:InstanceId"] = name,
            ["Webhooks:AllowPrivateNetworks"] = "true",
            // Short leases, so the survivors take over what the killed instance held within seconds (a lease must
            // outlast an attempt's timeout).
            ["Webhooks:AttemptTimeout"] = "00:00:02",
            ["Webhooks:LeaseDuration"] = "00:00:05",
            ["Webhooks:SweepInterval"] = "00:00:01",
        })).ToArray();
        try
        {
            // The first instance migrates the new database and creates the admin; the other two start together on it.
            await servers[0].StartAsync();
            Mark("instance A started");
            await Task.WhenAll(servers[1].StartAsync(), servers[2].StartAsync());
            Mark("instances B and C started together");
            for (var i = 0; i < servers.Length; i++)
            {
                receiver.Instances[servers[i].ProcessId] = names[i];
            }
            var apis = servers.Select(s => s.CreateApiClient()).ToArray();
            var (a, b) = (apis[0], apis[1]);

            // A table and a webhook made through A; the secret from the create answer is the one B reads.
            var table = await PostAsync(a, "/api/tables", new { name = "Multi", fields = new[] { new { name = "Deal", type = "text" } } });
            var tableId = table["id"]!.GetValue<string>();
            var webhook = await PostAsync(a, $"/api/tables/{tableId}/webhooks", new { name = "sink", url = receiver.Url, events = new[] { "record.created" } });
            var secret = webhook["secret"]!.GetValue<string>();
            receiver.UseSecret(secret);
            var secretOnB = (await b.GetFromJsonAsync<JsonObject>($"/api/webhooks/{webhook["id"]}/secret"))!["secret"]!.GetValue<string>();
            Assert.Equal(secret, secretOnB);
            Mark("webhook secret created on A reads the same on B");

            await RecordThroughA_ShowsLiveInAGridOnB(servers[1], a, tableId);

            var (acknowledged, failed, killedAt) = await BurstAndKillAsync(apis, servers[2], tableId);
            Mark($"burst over: {acknowledged.Count} creates answered 201, {failed} failed; C was killed after {killedAt} successes");

            // Committed = what is in the table, not only what was acknowledged: a create whose answer was lost to the
            // kill may still have committed.
            var committed = await AllRecordIdsAsync(a, tableId);
            Assert.Empty(acknowledged.Except(committed));
            Assert.True(committed.Count >= KillAfter, $"expected at least {KillAfter} committed records, found {committed.Count}");
            Assert.True(committed.Count < 1 + Clients * RecordsPerClient, "the kill should have cut the burst short");
            Mark($"{committed.Count} records committed ({committed.Count - acknowledged.Count - 1} without a 201 answer)");

            var all = await receiver.WaitUntilAsync(() => committed.All(receiver.CreatedByRecord.ContainsKey), TimeSpan.FromSeconds(120));
            var missing = committed.Where(id => !receiver.CreatedByRecord.ContainsKey(id)).ToList();
            Assert.True(all, $"{missing.Count} of {committed.Count} committed records' record.created never arrived, e.g. {string.Join(", ", missing.Take(5))}\n"
                + $"--- A ---\n{Tail(servers[0].Log)}\n--- B ---\n{Tail(servers[1].Log)}");
            var duplicates = receiver.CreatedByRecord.Values.Sum(n => n - 1);
            Mark($"every committed record's record.created arrived: {receiver.CreatedByRecord.Count} records, {duplicates} duplicate deliveries "
                + $"({receiver.CreatedByRecord.Count(kv => kv.Value > 1)} records more than once); {receiver.Rejected} bad signatures");
            Assert.Empty(receiver.CreatedByRecord.Keys.Except(committed));
            Assert.Equal(0, receiver.Rejected);

            ReportSenders(receiver.Requests);
            AssertNoOverlapAtTheReceiver(receiver.Requests);
            await AssertNoOverlappingAttemptsAsync(database);
        }
        finally
        {
            foreach (var server in servers)
            {
                server.Kill();
            }
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
        Mark("done");
    }

    /// <summary>B's grid open and signed in; a record created through A's REST API appears in it live.</summary>
    private async Task RecordThroughA_ShowsLiveInAGridOnB(AppServer b, HttpClient a, string tableId)
    {
        var browser = new BrowserFixture();
        await browser.InitializeAsync();
        try
        {
            await using var context = await browser.NewContextAsync(b.BaseUrl);
            var grid = await GridPage.OpenAsync(context, tableId);
            var text = "Live across instances " + Guid.NewGuid().ToString("N")[..8];
            var id = (await PostAsync(a, $"/api/tables/{tableId}/records", new { values = new { Deal = text } }))["id"]!.GetValue<string>();
            // The table is empty but for this record, so it is on the grid's first page.
            await Expect(grid.Cell(id, "Deal")).ToHaveTextAsync(text);
            await Expect(grid.Row(text)).ToBeVisibleAsync();
            Mark("record created through A appeared live in B's grid");
        }
        finally
        {
            await browser.DisposeAsync();
        }
    }

    /// <summary>
    /// <see cref="Clients"/> writers, each creating <see cref="RecordsPerClient"/> records round-robin over the
    /// instances; the third is killed (SIGKILL) once <see cref="KillAfter"/> creates have succeeded, writes still going.
    /// </summary>
    private async Task<(HashSet<string> Acknowledged, int Failed, int KilledAt)> BurstAndKillAsync(HttpClient[] apis, AppServer victim, string tableId)
    {
        var acknowledged = new ConcurrentBag<string>();
        var succeeded = 0;
        var failed = 0;
        var killedAt = 0;
        var killed = 0;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < RecordsPerClient; i++)
            {
                var api = apis[(w + i) % apis.Length];
                try
                {
                    using var response = await api.PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = $"w{w}-{i}" } });
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref failed);
                        continue;
                    }
                    acknowledged.Add((await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>());
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failed); // the killed instance
                    continue;
                }
                if (Interlocked.Increment(ref succeeded) >= KillAfter && Interlocked.Exchange(ref killed, 1) == 0)
                {
                    killedAt = succeeded;
                    victim.Kill();
                    Mark($"killed instance C (SIGKILL) after {killedAt} successful creates");
                }
            }
        })));
        return (acknowledged.ToHashSet(), failed, killedAt);
    }

    private static async Task<HashSet<string>> AllRecordIdsAsync(HttpClient api, string tableId)
    {
        var ids = new HashSet<string>();
        for (var offset = 0; ; offset += 1000)
        {
            var page = (await api.GetFromJsonAsync<JsonObject>($"/api/tables/{tableId}/records?offset={offset}&limit=1000"))!;
            var records = page["records"]!.AsArray();
            ids.UnionWith(records.Select(r => r!["id"]!.GetValue<string>()));
            if (records.Count < 1000)
            {
                Assert.Equal(page["total"]!.GetValue<int>(), ids.Count);
                return ids;
            }
        }
    }

    private void ReportSenders(IReadOnlyList<ReceivedRequest> requests)
    {
        var bySender = requests.GroupBy(r => r.Sender).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
        var takenOver = requests.GroupBy(r => r.WebhookId).Count(g => g.Select(r => r.Sender).Distinct().Count() > 1);
        Mark($"requests by sending instance: {string.Join(", ", bySender)}; {takenOver} events were sent by more than one instance");
    }

    /// <summary>
    /// At the receiver, per event (webhook-id, the same on every attempt of a delivery): no request arrived while
    /// another for the same event, from a different instance, was still being answered.
    /// </summary>
    private static void AssertNoOverlapAtTheReceiver(IReadOnlyList<ReceivedRequest> requests)
    {
        var overlaps = new List<string>();
        foreach (var group in requests.GroupBy(r => r.WebhookId).Where(g => g.Count() > 1))
        {
            var ordered = group.OrderBy(r => r.Started).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                for (var j = i + 1; j < ordered.Count && ordered[j].Started < ordered[i].Answered; j++)
                {
                    if (ordered[j].Sender != ordered[i].Sender || ordered[i].Sender == "?")
                    {
                        overlaps.Add($"{group.Key}: {ordered[i].Sender} {ordered[i].Started.TotalMilliseconds:F0}–{ordered[i].Answered.TotalMilliseconds:F0} ms and "
                            + $"{ordered[j].Sender} from {ordered[j].Started.TotalMilliseconds:F0} ms");
                    }
                }
            }
        }
        Assert.True(overlaps.Count == 0, "attempts of one delivery overlapped at the receiver:\n" + string.Join("\n", overlaps.Take(10)));
    }

    /// <summary>
    /// In the database: every delivery's recorded attempts, as [StartedAt, StartedAt + DurationMs], do not overlap one
    /// another. Attempts do not record the instance that made them, so this holds all of a delivery's attempts to it,
    /// whichever instance made them (a stronger check). An attempt cut off by the kill was never recorded; what the
    /// receiver saw of it is checked above.
    /// </summary>
    private async Task AssertNoOverlappingAttemptsAsync(PostgresDatabase database)
    {
        await using var connection = await database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT "DeliveryId", "StartedAt", "DurationMs" FROM "DeliveryAttempts" """;
        var attempts = new List<(string Delivery, DateTimeOffset Start, DateTimeOffset End)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var start = reader.GetValue(1) switch
                {
                    DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
                    DateTimeOffset t => t,
                    var other => throw new InvalidOperationException($"DeliveryAttempts.StartedAt is stored as {other.GetType()}; teach this test to read it"),
                };
                attempts.Add((reader.GetString(0), start, start + TimeSpan.FromMilliseconds(reader.GetDouble(2))));
            }
        }
        var overlaps = attempts.GroupBy(x => x.Delivery)
            .SelectMany(g =>
            {
                var ordered = g.OrderBy(x => x.Start).ToList();
                return ordered.Zip(ordered.Skip(1)).Where(p => p.Second.Start < p.First.End - TimeSpan.FromMilliseconds(1))
                    .Select(p => $"{g.Key}: {p.First.Start:O}+{(p.First.End - p.First.Start).TotalMilliseconds:F0} ms and {p.Second.Start:O}");
            })
            .ToList();
        Mark($"{attempts.Count} attempts recorded for {attempts.Select(x => x.Delivery).Distinct().Count()} deliveries; "
            + $"{attempts.GroupBy(x => x.Delivery).Count(g => g.Count() > 1)} deliveries with more than one attempt; {overlaps.Count} overlaps");
        Assert.True(overlaps.Count == 0, "attempts of one delivery overlapped in DeliveryAttempts:\n" + string.Join("\n", overlaps.Take(10)));
    }

    private static async Task<JsonNode> PostAsync(HttpClient api, string url, object body)
    {
        using var response = await api.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static string Tail(string log) => log.Length > 4000 ? log[^4000..] : log;
}
