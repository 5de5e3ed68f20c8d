using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

[Trait("Engines", "Both")]
public sealed class SchemaApiTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    private async Task<JsonObject> CreateTableAsync(HttpClient api)
    {
        var response = await api.PostAsJsonAsync("/api/tables", new
        {
            name = "Api " + Guid.NewGuid().ToString("N")[..6],
            fields = new object[] { new { name = "Deal", type = "text" }, new { name = "Stage", type = "singleSelect", options = new { choices = new[] { "Lead" } } } },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    [Fact]
    public async Task PatchAndDeleteField_ThroughApi()
    {
        var api = factory.CreateApiClient();
        var table = await CreateTableAsync(api);
        var id = table["id"]!.GetValue<string>();
        var stage = table["fields"]![1]!["id"]!.GetValue<string>();
        (await api.PostAsJsonAsync($"/api/tables/{id}/records", new { values = new { Deal = "Acme", Stage = "Lead" } })).EnsureSuccessStatusCode();

        var patch = await api.PatchAsJsonAsync($"/api/tables/{id}/fields/{stage}", new { name = "Phase", hidden = true, options = new { choices = new[] { "Lead", "Won" } } });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var field = (await patch.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Phase", field["name"]!.GetValue<string>());
        Assert.True(field["hidden"]!.GetValue<bool>());
        Assert.Equal(2, field["options"]!["choices"]!.AsArray().Count);

        var records = await api.GetFromJsonAsync<JsonObject>($"/api/tables/{id}/records");
        Assert.Equal("Lead", records!["records"]![0]!["values"]!["Phase"]!.GetValue<string>());

        var bad = await api.PatchAsJsonAsync($"/api/tables/{id}/fields/{stage}", new { name = "Deal" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/tables/{id}/fields/{stage}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/api/tables/{id}/fields/{stage}")).StatusCode);
        records = await api.GetFromJsonAsync<JsonObject>($"/api/tables/{id}/records");
        Assert.Null(records!["records"]![0]!["values"]!["Phase"]);
    }

    [Fact]
    public async Task ReorderFields_ThroughApi()
    {
        var api = factory.CreateApiClient();
        var table = await CreateTableAsync(api);
        var id = table["id"]!.GetValue<string>();
        var ids = table["fields"]!.AsArray().Select(f => f!["id"]!.GetValue<string>()).Reverse().ToArray();
        var response = await api.PutAsJsonAsync($"/api/tables/{id}/fields/order", new { fieldIds = ids });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(ids, body["fields"]!.AsArray().Select(f => f!["id"]!.GetValue<string>()).ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsJsonAsync($"/api/tables/{id}/fields/order", new { fieldIds = ids[..1] })).StatusCode);
    }

    [Fact]
    public async Task RenameAndDeleteTable_ThroughApi()
    {
        var api = factory.CreateApiClient();
        var table = await CreateTableAsync(api);
        var id = table["id"]!.GetValue<string>();
        var renamed = await api.PatchAsJsonAsync($"/api/tables/{id}", new { name = "Renamed " + id });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("Renamed " + id, (await renamed.Content.ReadFromJsonAsync<JsonObject>())!["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PatchAsJsonAsync($"/api/tables/{id}", new { name = " " })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/tables/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/tables/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/api/tables/{id}")).StatusCode);
    }
}
