using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Undb.E2E.Support;

namespace Undb.E2E.Webhooks;

/// <summary>
/// Real deliveries, captured at a loopback receiver, verified by the Standard Webhooks reference library
/// (npm <c>standardwebhooks</c>, installed by ./test.sh into App.E2E/StandardWebhooks) — not by our own code.
/// </summary>
[Collection(ProcessHeavyCollection.Name)]
public sealed class StandardWebhooksLibraryTests : IAsyncLifetime
{
    private readonly AppServer _server = new(new Dictionary<string, string> { ["Webhooks:AllowPrivateNetworks"] = "true" });
    private WebhookReceiver _receiver = default!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task EveryEventType_AndBothSignaturesDuringARotation_VerifyWithTheReferenceLibrary()
    {
        using var api = _server.CreateApiClient();
        var table = await PostAsync(api, "/api/tables", new { name = "Signed", fields = new object[] { new { name = "Deal", type = "text" }, new { name = "Value", type = "number" } } });
        var tableId = table["id"]!.GetValue<string>();
        var events = new[] { "record.created", "record.updated", "record.deleted", "record.bulk_created", "record.bulk_updated", "record.bulk_deleted" };
        var webhook = await PostAsync(api, $"/api/tables/{tableId}/webhooks", new { name = "ref", url = _receiver.Url, events });
        var webhookId = webhook["id"]!.GetValue<string>();
        var firstSecret = webhook["secret"]!.GetValue<string>();

        // One of each event: 3 single + 2 bulk-created records (2 created + 1 bulk), a bulk update and a bulk delete.
        var record = await PostAsync(api, $"/api/tables/{tableId}/records", new { values = new { Deal = "Acme", Value = 1 } });
        var recordId = record["id"]!.GetValue<string>();
        await SendAsync(api, HttpMethod.Patch, $"/api/tables/{tableId}/records/{recordId}", new { values = new { Value = 2 } });
        await SendAsync(api, HttpMethod.Delete, $"/api/tables/{tableId}/records/{recordId}", null);
        var bulk = await PostAsync(api, $"/api/tables/{tableId}/records/bulk", new { records = new[] { new { values = new { Deal = "B1" } }, new { values = new { Deal = "B2" } } } });
        var ids = bulk["records"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ToArray();
        await SendAsync(api, HttpMethod.Patch, $"/api/tables/{tableId}/records/bulk", new { records = ids.Select(id => new { id, values = new { Value = 9 } }) });
        await SendAsync(api, HttpMethod.Delete, $"/api/tables/{tableId}/records/bulk", new { ids });
        // created, updated, deleted + 2 created + bulk_created + 2 updated + bulk_updated + 2 deleted + bulk_deleted
        const int beforeRotation = 12;
        await WaitForAsync(() => _receiver.Requests.Count >= beforeRotation);
        Assert.Equal(events.Order(), _receiver.Requests.Select(r => JsonNode.Parse(r.Body)!["name"]!.GetValue<string>()).Distinct().Order());
        Assert.Equal(beforeRotation, Verify(firstSecret, _receiver.Requests));

        // After a rotation both secrets sign for 24 h: each later delivery verifies with either one.
        var rotated = await PostAsync(api, $"/api/webhooks/{webhookId}/rotate-secret", new { });
        var newSecret = rotated["secret"]!.GetValue<string>();
        Assert.NotEqual(firstSecret, newSecret);
        await PostAsync(api, $"/api/tables/{tableId}/records", new { values = new { Deal = "After rotation" } });
        await WaitForAsync(() => _receiver.Requests.Count >= beforeRotation + 1);
        var later = _receiver.Requests.Skip(beforeRotation).ToList();
        Assert.Equal(later.Count, Verify(newSecret, later));
        Assert.Equal(later.Count, Verify(firstSecret, later));
        Assert.Contains(' ', later[0].Headers["webhook-signature"]);
    }

    /// <summary>Runs the reference library over the captured requests; returns how many verified (it fails the test on any failure).</summary>
    private static int Verify(string secret, IReadOnlyList<CapturedRequest> requests)
    {
        var dir = Path.Combine(Path.GetDirectoryName(AppServer.FindAppDll())!, "..", "..", "..", "..", "App.E2E", "StandardWebhooks");
        dir = Path.GetFullPath(dir);
        Assert.True(Directory.Exists(Path.Combine(dir, "node_modules", "standardwebhooks")),
            $"The reference library is not installed in {dir}; ./test.sh runs 'npm ci' there.");
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, requests.Select(r => JsonSerializer.Serialize(new { headers = r.Headers, body = r.Body })));
            var info = new ProcessStartInfo("node", [Path.Combine(dir, "verify.js"), secret, file])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = dir,
            };
            using var node = Process.Start(info)!;
            var output = node.StandardOutput.ReadToEnd();
            var error = node.StandardError.ReadToEnd();
            node.WaitForExit();
            Assert.True(node.ExitCode == 0, $"standardwebhooks rejected a delivery: {error}{output}");
            return int.Parse(output.Trim().Split(' ')[1]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<JsonObject> PostAsync(HttpClient api, string path, object body)
    {
        using var response = await api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static async Task SendAsync(HttpClient api, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await api.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
