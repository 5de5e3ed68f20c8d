using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Undb.E2E.Support;
using Xunit.Abstractions;

namespace Undb.E2E.Webhooks;

/// <summary>Runs alone: its write burst would otherwise starve the browser tests' short UI timeouts on a small machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessHeavyCollection
{
    public const string Name = "Process-heavy, not in parallel";
}

/// <summary>At-least-once across a crash: the app process is killed mid-burst and restarted on the same database.</summary>
[Collection(ProcessHeavyCollection.Name)]
public sealed class OutboundCrashTests(ITestOutputHelper output)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    private void Mark(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds:F1} s: {what}");

    [Fact]
    public async Task KillDuringBurst_RestartOnSameDatabase_EveryCommittedRecordCreatedIsDelivered()
    {
        // Before the kill the receiver takes requests and never answers (they are lost with the process);
        // afterwards it answers 200 and counts. So every record must be delivered by the restarted process.
        var afterCrash = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var delivered = new ConcurrentDictionary<string, int>();
        var arrived = new SemaphoreSlim(0);
        await using var receiver = await StartReceiverAsync(async ctx =>
        {
            var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            if (!afterCrash.Task.IsCompleted)
            {
                // Sent by the process about to be killed: it never learns the answer, and it does not count.
                await afterCrash.Task;
                ctx.Response.StatusCode = 503;
                return;
            }
            var payload = JsonNode.Parse(body)!;
            if (payload["name"]?.GetValue<string>() == "record.created")
            {
                delivered.AddOrUpdate(payload["event"]!["record"]!["id"]!.GetValue<string>(), 1, (_, n) => n + 1);
                arrived.Release();
            }
            ctx.Response.StatusCode = 200;
        });

        var dataDirectory = Path.Combine(Path.GetTempPath(), "undb-e2e", Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string>
        {
            ["Webhooks:AllowPrivateNetworks"] = "true",
            ["Webhooks:AttemptTimeout"] = "00:00:03",
            // Longer than the test may take: the restarted process must free what the killed one held at start-up
            // (leases under its own instance name), not wait for the leases to run out.
            ["Webhooks:LeaseDuration"] = "00:10:00",
            ["Webhooks:SweepInterval"] = "00:00:01",
            ["DataProtection:KeysPath"] = Path.Combine(dataDirectory, "keys"),
        };
        var first = new AppServer(settings, dataDirectory);
        await using var second = new AppServer(settings, dataDirectory);
        try
        {
            await first.StartAsync();
            Mark("first process started");
            var api = first.CreateApiClient();
            var table = await PostAsync(api, "/api/tables", new { name = "Burst", fields = new[] { new { name = "Deal", type = "text" } } });
            var tableId = table["id"]!.GetValue<string>();
            await PostAsync(api, $"/api/tables/{tableId}/webhooks", new { name = "sink", url = receiver.Url, events = new[] { "record.created" } });

            // Burst creations from 8 concurrent writers; kill the process once 60 are committed, with writes still going.
            var committed = 0;
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < 100; i++)
                {
                    try
                    {
                        var response = await api.PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = $"w{w}-{i}" } });
                        response.EnsureSuccessStatusCode();
                        if (Interlocked.Increment(ref committed) >= 60)
                        {
                            enough.TrySetResult();
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the process is gone
                    }
                }
            })).ToList();
            await enough.Task.WaitAsync(TimeSpan.FromSeconds(60));
            first.Kill();
            Mark($"killed after {committed} commits");
            afterCrash.TrySetResult();
            await Task.WhenAll(writers);

            await second.StartAsync();
            Mark("second process started");
            var records = await second.CreateApiClient().GetFromJsonAsync<JsonNode>($"/api/tables/{tableId}/records?limit=1000");
            var ids = records!["records"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ToHashSet();
            Assert.True(ids.Count >= 60, $"expected at least 60 committed records, found {ids.Count}");
            Assert.True(ids.Count < 800, "the burst should still have been running when the process was killed");

            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (!ids.All(delivered.ContainsKey))
            {
                try
                {
                    await arrived.WaitAsync(guard.Token);
                }
                catch (OperationCanceledException)
                {
                    var missing = ids.Where(id => !delivered.ContainsKey(id)).ToList();
                    Assert.Fail($"{missing.Count} of {ids.Count} committed records never reached the receiver, e.g. {string.Join(", ", missing.Take(5))}\n{second.Log}");
                }
            }
            Mark($"all {ids.Count} delivered");
            Assert.Empty(delivered.Keys.Except(ids));
        }
        finally
        {
            first.Kill();
        }
    }

    private static async Task<JsonNode> PostAsync(HttpClient api, string url, object body)
    {
        var response = await api.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task<Receiver> StartReceiverAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        app.Run(handler);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return new Receiver(app, address + "/hook");
    }

    private sealed record Receiver(WebApplication App, string Url) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
