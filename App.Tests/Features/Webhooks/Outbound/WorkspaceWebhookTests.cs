using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>Workspace webhooks (tableId null): every table, including later ones, except the excluded ones.</summary>
[Trait("Engines", "Both")]
public sealed class WorkspaceWebhookTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task WorkspaceWebhook_ReceivesChangesFromTwoTables_AndFromATableCreatedLater_ButNotFromAnExcludedOne()
    {
        var deals = await TablesSeed.DealsAsync(factory.Services, "Deals");
        var leads = await TablesSeed.DealsAsync(factory.Services, "Leads");
        var excluded = await TablesSeed.DealsAsync(factory.Services, "Internal");
        var api = factory.CreateApiClient();
        var response = await api.PostAsJsonAsync("/api/webhooks", new
        {
            name = "Everything", url = _receiver.Url, events = new[] { "record.created" }, tableId = (string?)null, excludedTableIds = new[] { excluded.Id },
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var created = JsonNode.Parse(text)!;
        var webhookId = created["id"]!.GetValue<string>();
        Assert.Null(created["tableId"]);
        Assert.Equal(excluded.Id, created["excludedTableIds"]![0]!.GetValue<string>());
        var later = await TablesSeed.DealsAsync(factory.Services, "Later");

        // The excluded table's record goes first: had it been delivered, it would be among the first three.
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{excluded.Id}/records", new { values = new { Deal = "Secret" } });
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{deals.Id}/records", new { values = new { Deal = "A" } });
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{leads.Id}/records", new { values = new { Deal = "B" } });
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{later.Id}/records", new { values = new { Deal = "C" } });

        var received = await _receiver.WaitForCountAsync(3);
        var tables = received.Select(r => r.Payload()["event"]!["tableId"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(new[] { deals.Id, leads.Id, later.Id }.Order().ToList(), tables);
        Assert.DoesNotContain(received, r => r.Payload()["event"]!["tableId"]!.GetValue<string>() == excluded.Id);

        var listed = await api.SendJsonAsync(HttpMethod.Get, "/api/webhooks");
        Assert.Contains(listed["items"]!.AsArray(), w => w!["id"]!.GetValue<string>() == webhookId);
        var history = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries");
        Assert.Equal(3, history["total"]!.GetValue<int>());
        // Table routes keep listing only the table's own webhooks.
        var own = await api.SendJsonAsync(HttpMethod.Get, $"/api/tables/{deals.Id}/webhooks");
        Assert.DoesNotContain(own["items"]!.AsArray(), w => w!["id"]!.GetValue<string>() == webhookId);
        await api.SendJsonAsync(HttpMethod.Delete, $"/api/webhooks/{webhookId}");
    }

    [Fact]
    public async Task WorkspaceWebhook_ConditionOnATableField_IsRefusedWithTheFieldNamed()
    {
        var api = factory.CreateApiClient();
        var response = await api.PostAsJsonAsync("/api/webhooks", new
        {
            name = "W", url = _receiver.Url, events = new[] { "record.created" },
            condition = new { conjunction = "and", filters = new[] { new { field = "Deal", @operator = "is", value = "x" } } },
        });
        var problem = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("system field", problem);
        Assert.Contains("condition.filters[0].field", problem);
    }

    [Fact]
    public async Task WorkspaceWebhook_ConditionOnSystemFields_SendsOnlyWhatMatches()
    {
        var deals = await TablesSeed.DealsAsync(factory.Services, "Deals " + Guid.NewGuid().ToString("N")[..4]);
        var other = await TablesSeed.DealsAsync(factory.Services, "Other " + Guid.NewGuid().ToString("N")[..4]);
        var api = factory.CreateApiClient();
        // Changes to tables named "Deals …", made by anyone but the integration's own account.
        var created = await api.SendJsonAsync(HttpMethod.Post, "/api/webhooks", new
        {
            name = "Deals only", url = _receiver.Url, events = new[] { "record.created" },
            condition = new { conjunction = "and", filters = new object[]
            {
                new { field = "TABLENAME", @operator = "contains", value = "Deals" },
                new { field = "changedBy", @operator = "isNot", value = "integration@example.com" },
            } },
        });
        var webhookId = created["id"]!.GetValue<string>();
        Assert.Equal("tableName", created["condition"]!["filters"]![0]!["field"]!.GetValue<string>());
        var blocked = await api.SendJsonAsync(HttpMethod.Post, "/api/webhooks", new
        {
            name = "Not mine", url = _receiver.Url, events = new[] { "record.created" },
            condition = new { filters = new[] { new { field = "changedBy", @operator = "isNot", value = UndbFactory.AdminEmail } } },
        });

        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{other.Id}/records", new { values = new { Deal = "Elsewhere" } });
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{deals.Id}/records", new { values = new { Deal = "Here" } });

        // Deliveries are written with the change: what is not in the history now never will be.
        var history = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries");
        var only = Assert.Single(history["items"]!.AsArray());
        Assert.Equal(deals.Id, (await api.SendJsonAsync(HttpMethod.Get, $"/api/deliveries/{only!["id"]!.GetValue<string>()}"))["delivery"]!["tableId"]!.GetValue<string>());
        var none = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{blocked["id"]!.GetValue<string>()}/deliveries");
        Assert.Equal(0, none["total"]!.GetValue<int>());

        // Watching fields is for table webhooks.
        var watching = await api.PatchAsJsonAsync($"/api/webhooks/{webhookId}", new { condition = new { changedFields = new[] { "tableName" } } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, watching.StatusCode);
        Assert.Contains("condition.changedFields[0]", await watching.Content.ReadAsStringAsync());
        await api.SendJsonAsync(HttpMethod.Delete, $"/api/webhooks/{webhookId}");
        await api.SendJsonAsync(HttpMethod.Delete, $"/api/webhooks/{blocked["id"]!.GetValue<string>()}");
    }

    [Fact]
    public async Task ExcludedTables_MustExist_AndAreOnlyForWorkspaceWebhooks()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var missing = await api.PostAsJsonAsync("/api/webhooks", new { name = "W", url = _receiver.Url, events = new[] { "record.created" }, excludedTableIds = new[] { "tbl_nope" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        Assert.Contains("tbl_nope", await missing.Content.ReadAsStringAsync());
        var onTable = await api.PostAsJsonAsync($"/api/tables/{table.Id}/webhooks", new { name = "T", url = _receiver.Url, events = new[] { "record.created" }, excludedTableIds = new[] { table.Id } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, onTable.StatusCode);
        Assert.Contains("excludedTableIds", await onTable.Content.ReadAsStringAsync());
    }
}
