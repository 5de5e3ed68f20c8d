using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>The event catalog (issue #22 part 6): every event, a JSON Schema that real deliveries satisfy, and an example that does too.</summary>
public sealed class WebhookEventCatalogTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static EvaluationResults Validate(JsonNode schema, JsonNode instance)
    {
        var compiled = JsonSchema.FromText(schema.ToJsonString());
        using var doc = JsonDocument.Parse(instance.ToJsonString());
        return compiled.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static string Errors(EvaluationResults results) =>
        string.Join("; ", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));

    [Fact]
    public async Task TheApi_ListsEveryEvent_WithASchemaItsExampleSatisfies()
    {
        var api = factory.CreateApiClient();
        var list = await api.SendJsonAsync(HttpMethod.Get, "/api/webhook-events");
        var items = list["items"]!.AsArray();
        var names = items.Select(i => i!["name"]!.GetValue<string>()).ToList();
        Assert.Equal([.. WebhookEvents.All, WebhookEvents.Test, .. WebhookEvents.Alerts], names);
        foreach (var item in items)
        {
            var results = Validate(item!["schema"]!, item["example"]!);
            Assert.True(results.IsValid, $"{item["name"]}: {Errors(results)}");
            Assert.Equal(item["name"]!.GetValue<string>(), item["example"]!["name"]!.GetValue<string>());
            Assert.False(string.IsNullOrWhiteSpace(item["description"]!.GetValue<string>()));
        }
        // A schema that checks nothing would pass the above: a record event without its record fails.
        var created = items.Single(i => i!["name"]!.GetValue<string>() == WebhookEvents.Created)!;
        var broken = created["example"]!.DeepClone();
        broken["event"]!.AsObject().Remove("record");
        Assert.False(Validate(created["schema"]!, broken).IsValid);
    }

    [Fact]
    public async Task RealDeliveries_OfEveryRecordEventAndTheTest_SatisfyTheirSchemas()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "all", url = _receiver.Url, events = WebhookEvents.All, ordered = true });

        var one = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Acme" } });
        var id = one["id"]!.GetValue<string>();
        await api.SendJsonAsync(HttpMethod.Patch, $"/api/tables/{table.Id}/records/{id}", new { values = new { Deal = "Acme Ltd" } });
        await api.SendJsonAsync(HttpMethod.Delete, $"/api/tables/{table.Id}/records/{id}");
        var bulk = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records/bulk", new { records = new[] { new { values = new { Deal = "B1" } }, new { values = new { Deal = "B2" } } } });
        var ids = bulk["records"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ToArray();
        await api.SendJsonAsync(HttpMethod.Patch, $"/api/tables/{table.Id}/records/bulk", new { records = ids.Select(i => new { id = i, values = new { Deal = "B" } }).ToArray() });
        var deleted = await api.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/tables/{table.Id}/records/bulk") { Content = JsonContent(new { ids }) });
        Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        var test = await api.PostAsync($"/api/webhooks/{webhookId}/test", null);
        Assert.Equal(HttpStatusCode.OK, test.StatusCode);

        // 3 single + 2 created + 1 bulk created + 2 updated + 1 bulk updated + 2 deleted + 1 bulk deleted + the test.
        var received = await _receiver.WaitForCountAsync(13);
        var seen = new HashSet<string>();
        foreach (var request in received)
        {
            var payload = request.Payload();
            var name = payload["name"]!.GetValue<string>();
            seen.Add(name);
            var results = Validate(WebhookEventCatalog.Find(name)!.Schema, payload);
            Assert.True(results.IsValid, $"{name}: {Errors(results)}\n{payload.ToJsonString()}");
        }
        Assert.Superset(new HashSet<string>([.. WebhookEvents.All, WebhookEvents.Test]), seen);
        Assert.Equal(WebhookEvents.All.Count + 1, seen.Count);
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
