using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Undb.E2E.Support;

/// <summary>One app process (with the bootstrap admin and API token) shared by the tests of a class; each test makes its own table.</summary>
public sealed class SharedServer : IAsyncLifetime
{
    public AppServer Server { get; } = new();

    public HttpClient Api { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        await Server.StartAsync();
        Api = Server.CreateApiClient();
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>Creates a table through the REST API; fields as (name, type, choices).</summary>
    public async Task<(string Id, string Name)> CreateTableAsync(string prefix, params (string Name, string Type, string[]? Choices)[] fields)
    {
        var name = $"{prefix} {Guid.NewGuid().ToString("N")[..6]}";
        var response = await Api.PostAsJsonAsync("/api/tables", new
        {
            name,
            fields = fields.Select(f => new { name = f.Name, type = f.Type, options = f.Choices is null ? null : new { choices = f.Choices } }),
        });
        response.EnsureSuccessStatusCode();
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return (body["id"]!.GetValue<string>(), name);
    }

    /// <summary>Changes a field through the REST API (<c>{required, hidden, name, options}</c>).</summary>
    public async Task PatchFieldAsync(string tableId, string field, object changes)
    {
        var table = (await Api.GetFromJsonAsync<JsonObject>($"/api/tables/{tableId}"))!;
        var id = table["fields"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == field)!["id"]!.GetValue<string>();
        (await Api.PatchAsJsonAsync($"/api/tables/{tableId}/fields/{id}", changes)).EnsureSuccessStatusCode();
    }

    public async Task<JsonObject> GetFieldAsync(string tableId, string field) =>
        (await Api.GetFromJsonAsync<JsonObject>($"/api/tables/{tableId}"))!["fields"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == field)!.AsObject();

    public async Task<string> CreateRecordAsync(string tableId, object values)
    {
        var response = await Api.PostAsJsonAsync($"/api/tables/{tableId}/records", new { values });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    public async Task<JsonObject> GetRecordValuesAsync(string tableId, string recordId) =>
        (await Api.GetFromJsonAsync<JsonObject>($"/api/tables/{tableId}/records/{recordId}"))!["values"]!.AsObject();

    public async Task<JsonArray> ListRecordsAsync(string tableId, string? sort = null) =>
        (await Api.GetFromJsonAsync<JsonObject>($"/api/tables/{tableId}/records?limit=1000{(sort is null ? "" : "&sort=" + sort)}"))!["records"]!.AsArray();
}
