using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Undb.E2E.Support;
using Undb.E2E.Webhooks;

namespace Undb.E2E.Receivers;

/// <summary>
/// The receiver samples of docs/receivers, run as they are published (C# as a file-based app, Node with the packages
/// ./test.sh installs there, Python on Debian's python3-flask), each against real deliveries from the app: they verify
/// both signatures, deduplicate a redelivery on <c>webhook-id</c>, answer before doing the work, and refuse a forgery.
/// </summary>
[Collection(ProcessHeavyCollection.Name)]
public sealed class ReceiverGuideTests(ReceiverGuideTests.Server server) : IClassFixture<ReceiverGuideTests.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public AppServer App { get; } = new(new Dictionary<string, string> { ["Webhooks:AllowPrivateNetworks"] = "true" });

        public Task InitializeAsync() => App.StartAsync();

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    /// <summary>docs/receivers in this checkout.</summary>
    private static string Guides => Path.Combine(Path.GetDirectoryName(AppServer.FindAppDll())!, "..", "..", "..", "..", "docs", "receivers");

    private static ExternalProcess StartReceiver(string language, int port, string secret)
    {
        var dir = Path.GetFullPath(Path.Combine(Guides, language));
        var environment = new Dictionary<string, string> { ["UNDB_WEBHOOK_SECRET"] = secret, ["PORT"] = port.ToString(), ["HOST"] = "127.0.0.1" };
        switch (language)
        {
            case "node":
                Assert.True(Directory.Exists(Path.Combine(dir, "node_modules", "express")), $"Run 'npm ci' in {dir} (./test.sh does).");
                return ExternalProcess.Start("node", ["receiver.js"], dir, environment);
            case "python":
                // Debian's interpreter, where ./test.sh installs python3-flask.
                return ExternalProcess.Start(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3", ["-u", "receiver.py"], dir, environment);
            default:
                environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
                environment["DOTNET_NOLOGO"] = "1";
                return ExternalProcess.Start("dotnet", ["run", "receiver.cs"], dir, environment);
        }
    }

    [Theory]
    [InlineData("csharp")]
    [InlineData("node")]
    [InlineData("python")]
    public async Task Sample_VerifiesRealDeliveries_DeduplicatesARedelivery_AndRefusesAForgery(string language)
    {
        using var api = server.App.CreateApiClient();
        var table = await PostAsync(api, "/api/tables", new { name = $"Receiver {language}", fields = new object[] { new { name = "Deal", type = "text" } } });
        var tableId = table["id"]!.GetValue<string>();
        var port = ExternalProcess.FreePort();
        var url = $"http://127.0.0.1:{port}/webhooks/undb";
        var webhook = await PostAsync(api, $"/api/tables/{tableId}/webhooks", new { name = language, url, events = new[] { "record.created" } });
        var webhookId = webhook["id"]!.GetValue<string>();
        var secret = webhook["secret"]!.GetValue<string>();

        await using var receiver = StartReceiver(language, port, secret);
        // The C# sample is compiled on its first run.
        await receiver.WaitForLineAsync(l => l.Contains($"127.0.0.1:{port}"), TimeSpan.FromMinutes(3));

        // A real delivery: verified, answered 204 at once, then processed.
        var record = await PostAsync(api, $"/api/tables/{tableId}/records", new { values = new { Deal = "Acme" } });
        var recordId = record["id"]!.GetValue<string>();
        var verified = await receiver.WaitForLineAsync(l => l.StartsWith("verified ") && l.EndsWith(" record.created"), TimeSpan.FromSeconds(30));
        var eventId = verified.Split(' ')[1];
        await receiver.WaitForLineAsync(l => l == $"processed {eventId} record.created record={recordId}", TimeSpan.FromSeconds(30));
        // The delivery row was committed with the record, so it is listed already (its status settles just after the answer).
        var delivery = (await api.GetFromJsonAsync<JsonObject>($"/api/webhooks/{webhookId}/deliveries"))!["items"]!.AsArray().Single()!;
        Assert.Equal(eventId, delivery["eventId"]!.GetValue<string>());

        // The same event again (same webhook-id, fresh timestamp and signature): acknowledged, not processed twice.
        // Redelivery waits until the first send is settled (the app refuses one while the delivery is being sent).
        var deliveryId = delivery["id"]!.GetValue<string>();
        using (var settled = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while ((await api.GetFromJsonAsync<JsonObject>($"/api/deliveries/{deliveryId}", settled.Token))!["delivery"]!["status"]!.GetValue<string>() != "succeeded")
            {
                await Task.Delay(20, settled.Token);
            }
        }
        var again = await PostAsync(api, $"/api/deliveries/{deliveryId}/redeliver", new { });
        Assert.Equal(200, again["response"]!["status"]!.GetValue<int>());
        await receiver.WaitForLineAsync(l => l == $"duplicate {eventId}", TimeSpan.FromSeconds(30));

        // The test event verifies too.
        var test = await PostAsync(api, $"/api/webhooks/{webhookId}/test", new { });
        Assert.Equal(204, test["response"]!["status"]!.GetValue<int>());
        await receiver.WaitForLineAsync(l => l.StartsWith("verified ") && l.EndsWith(" webhook.test"), TimeSpan.FromSeconds(30));

        // A request signed with another secret, and one whose X-Undb-Signature alone is wrong, are refused.
        using var forger = new HttpClient();
        var otherSecret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Assert.Equal(HttpStatusCode.Unauthorized, (await forger.SendAsync(Signed(url, otherSecret, otherSecret, "evt_forged1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await forger.SendAsync(Signed(url, secret, otherSecret, "evt_forged2"))).StatusCode);
        // And the right secret on both passes: the forgeries were refused for their signatures, nothing else.
        Assert.Equal(HttpStatusCode.NoContent, (await forger.SendAsync(Signed(url, secret, secret, "evt_genuine"))).StatusCode);
        await receiver.WaitForLineAsync(l => l == "rejected evt_forged1" || l.StartsWith("rejected evt_forged1:"), TimeSpan.FromSeconds(10));
    }

    /// <summary>A request signed as the app signs (Standard Webhooks with one secret, X-Undb-Signature with another).</summary>
    private static HttpRequestMessage Signed(string url, string standardSecret, string undbSecret, string id)
    {
        var body = JsonSerializer.Serialize(new { id, name = "record.created", timestamp = "2026-12-03T10:00:00Z", @event = new { tableId = "tbl_x", tableName = "X", record = new { id = "rec_x" } } });
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        static byte[] Key(string secret) => Convert.FromBase64String(secret["whsec_".Length..]);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Key(standardSecret), Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString());
        request.Headers.Add("webhook-signature", "v1," + signature);
        request.Headers.Add("X-Undb-Signature", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Key(undbSecret), Encoding.UTF8.GetBytes(body))));
        return request;
    }

    private static async Task<JsonObject> PostAsync(HttpClient api, string path, object body)
    {
        using var response = await api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
