using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>The payload of each of the six events, as a real receiver gets it.</summary>
public sealed partial class PayloadTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private async Task<(string TableId, string TableName, HttpClient Api)> SetUpAsync(params string[] events)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        await api.CreateWebhookAsync(table.Id, new { name = "all", url = _receiver.Url, events });
        return (table.Id, table.Name, api);
    }

    private Task<ReceivedRequest> OneAsync(string eventName) =>
        _receiver.WaitForAsync(r => r.Any(x => x.EventName() == eventName)).ContinueWith(t => t.Result.Single(x => x.EventName() == eventName));

    [Fact]
    public async Task RecordCreated_CarriesValuesByFieldNameAndSystemFields()
    {
        var (tableId, tableName, api) = await SetUpAsync("record.created");
        var adminId = await factory.AdminIdAsync();
        var created = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{tableId}/records",
            new { values = new { Deal = "Acme", Value = "1200", Stage = "lead", Tags = new[] { "hot" } } });

        var payload = (await OneAsync("record.created")).Payload();

        Assert.Matches(EventId(), payload["id"]!.GetValue<string>());
        Assert.Equal(adminId, payload["operatorId"]!.GetValue<string>());
        Assert.Matches(Timestamp(), payload["timestamp"]!.GetValue<string>());
        var evt = payload["event"]!;
        Assert.Equal(tableId, evt["tableId"]!.GetValue<string>());
        Assert.Equal(tableName, evt["tableName"]!.GetValue<string>());
        var record = evt["record"]!;
        Assert.Equal(created["id"]!.GetValue<string>(), record["id"]!.GetValue<string>());
        Assert.Equal("Acme", record["Deal"]!.GetValue<string>());
        Assert.Equal(1200m, record["Value"]!.GetValue<decimal>());
        Assert.Equal("Lead", record["Stage"]!.GetValue<string>());
        Assert.Equal("hot", record["Tags"]![0]!.GetValue<string>());
        Assert.Matches(Timestamp(), record["createdAt"]!.GetValue<string>());
        Assert.Matches(Timestamp(), record["updatedAt"]!.GetValue<string>());
        Assert.Equal(adminId, record["createdBy"]!["id"]!.GetValue<string>());
        Assert.Equal(UndbFactory.AdminEmail, record["updatedBy"]!["username"]!.GetValue<string>());
        Assert.Null(evt["previous"]);
        Assert.Null(evt["records"]);
    }

    [Fact]
    public async Task RecordUpdated_CarriesNewValuesAndPreviousOfChangedFieldsOnly()
    {
        var (tableId, _, api) = await SetUpAsync("record.updated");
        var created = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{tableId}/records", new { values = new { Deal = "Acme", Stage = "Lead", Value = 5 } });
        var id = created["id"]!.GetValue<string>();

        await api.SendJsonAsync(HttpMethod.Patch, $"/api/tables/{tableId}/records/{id}", new { values = new { Stage = "Won", Value = 5, Notes = "signed" } });

        var evt = (await OneAsync("record.updated")).Payload()["event"]!;
        Assert.Equal("Won", evt["record"]!["Stage"]!.GetValue<string>());
        Assert.Equal("signed", evt["record"]!["Notes"]!.GetValue<string>());
        var previous = evt["previous"]!.AsObject();
        Assert.Equal("Lead", previous["Stage"]!.GetValue<string>());
        Assert.True(previous.ContainsKey("Notes"));
        Assert.Null(previous["Notes"]);
        Assert.False(previous.ContainsKey("Value"));
    }

    [Fact]
    public async Task UpdateThatChangesNothing_WritesNoDelivery()
    {
        var (tableId, _, api) = await SetUpAsync("record.updated");
        var created = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{tableId}/records", new { values = new { Deal = "Acme", Value = 5 } });
        var id = created["id"]!.GetValue<string>();
        var webhooks = await api.SendJsonAsync(HttpMethod.Get, $"/api/tables/{tableId}/webhooks");
        var webhookId = webhooks["items"]![0]!["id"]!.GetValue<string>();

        await api.SendJsonAsync(HttpMethod.Patch, $"/api/tables/{tableId}/records/{id}", new { values = new { Deal = "Acme", Value = "5" } });

        // The outbox row would be written in the same transaction as the update, so none now means none ever.
        var page = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries?event=record.updated");
        Assert.Equal(0, page["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task RecordDeleted_CarriesTheLastValues()
    {
        var (tableId, _, api) = await SetUpAsync("record.deleted");
        var created = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{tableId}/records", new { values = new { Deal = "Gone soon", Value = 7 } });
        var id = created["id"]!.GetValue<string>();

        var response = await api.DeleteAsync($"/api/tables/{tableId}/records/{id}");
        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);

        var record = (await OneAsync("record.deleted")).Payload()["event"]!["record"]!;
        Assert.Equal(id, record["id"]!.GetValue<string>());
        Assert.Equal("Gone soon", record["Deal"]!.GetValue<string>());
        Assert.Equal(7m, record["Value"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task BulkEvents_CarryRecordsArray_AndPerRecordEventsStillFire()
    {
        var (tableId, _, api) = await SetUpAsync("record.created", "record.bulk_created", "record.bulk_updated", "record.bulk_deleted");
        var created = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{tableId}/records/bulk",
            new { records = new[] { new { values = new { Deal = "A", Stage = "Lead" } }, new { values = new { Deal = "B", Stage = "Lead" } } } });
        var ids = created["records"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ToList();

        var bulkCreated = (await OneAsync("record.bulk_created")).Payload();
        var records = bulkCreated["event"]!["records"]!.AsArray();
        Assert.Equal(ids, records.Select(r => r!["id"]!.GetValue<string>()).ToList());
        Assert.Equal(["A", "B"], records.Select(r => r!["Deal"]!.GetValue<string>()).ToList());
        Assert.Null(bulkCreated["event"]!["record"]);
        await _receiver.WaitForAsync(r => r.Count(x => x.EventName() == "record.created") == 2);

        await api.SendJsonAsync(HttpMethod.Patch, $"/api/tables/{tableId}/records/bulk",
            new { records = ids.Select(id => new { id, values = new { Stage = "Won" } }).ToArray() });
        var bulkUpdated = (await OneAsync("record.bulk_updated")).Payload()["event"]!;
        Assert.All(bulkUpdated["records"]!.AsArray(), r => Assert.Equal("Won", r!["Stage"]!.GetValue<string>()));
        Assert.Equal("Lead", bulkUpdated["previous"]![ids[1]]!["Stage"]!.GetValue<string>());

        await api.SendJsonAsync(HttpMethod.Delete, $"/api/tables/{tableId}/records/bulk", new { ids });
        var bulkDeleted = (await OneAsync("record.bulk_deleted")).Payload()["event"]!;
        Assert.Equal(2, bulkDeleted["records"]!.AsArray().Count);
        Assert.Contains(bulkDeleted["records"]!.AsArray(), r => r!["Deal"]!.GetValue<string>() == "B" && r["Stage"]!.GetValue<string>() == "Won");
    }

    [Fact]
    public async Task OnlySubscribedEvents_AreDelivered()
    {
        var (tableId, _, api) = await SetUpAsync("record.deleted");
        var created = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{tableId}/records", new { values = new { Deal = "x" } });
        await api.DeleteAsync($"/api/tables/{tableId}/records/{created["id"]}");

        var deleted = await OneAsync("record.deleted");
        var webhookId = (await api.SendJsonAsync(HttpMethod.Get, $"/api/tables/{tableId}/webhooks"))["items"]![0]!["id"]!.GetValue<string>();
        var all = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries");
        Assert.Equal(1, all["total"]!.GetValue<int>());
        Assert.Equal("record.deleted", all["items"]![0]!["event"]!.GetValue<string>());
        Assert.DoesNotContain(_receiver.Requests, r => r.EventName() == "record.created");
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")]
    private static partial Regex Timestamp();

    [GeneratedRegex("^evt_[0-9a-z]{26}$")]
    private static partial Regex EventId();
}
