using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

/// <summary>The app with small limits so the edge cases are cheap to reach.</summary>
public sealed class IncomingFactory : UndbFactory
{
    public const int MaxBody = 4096;
    public const int LogMax = 5;

    public IncomingFactory()
    {
        Settings["IncomingWebhooks:MaxBodyBytes"] = MaxBody.ToString();
        Settings["IncomingWebhooks:LogMaxRequests"] = LogMax.ToString();
    }
}

public sealed record CreatedHook(string Id, string TableId, string Url, string Key, JsonObject Created);

public static class IncomingTestSupport
{
    /// <summary>A Deals table (or <paramref name="table"/>) and an incoming webhook on it, created through the REST API.</summary>
    public static async Task<CreatedHook> CreateHookAsync(UndbFactory factory, object? mapping = null, bool enabled = true, TableSnapshot? table = null)
    {
        table ??= await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var response = await api.PostAsJsonAsync($"/api/tables/{table.Id}/incoming-webhooks", new
        {
            name = "Form",
            enabled,
            mapping = mapping ?? new { fields = new Dictionary<string, string> { ["Deal"] = "$.deal.title", ["Value"] = "$.deal.amount" } },
        });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return new CreatedHook(body["id"]!.GetValue<string>(), table.Id, body["url"]!.GetValue<string>(), body["apiKey"]!.GetValue<string>(), body);
    }

    public static HttpRequestMessage Post(CreatedHook hook, string? json, string? key = null, string contentType = "application/json", string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{hook.Id}");
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return request;
    }

    public static async Task<int> RecordCountAsync(UndbFactory factory, string tableId)
    {
        var list = await factory.CreateApiClient().GetFromJsonAsync<JsonObject>($"/api/tables/{tableId}/records?limit=1");
        return list!["total"]!.GetValue<int>();
    }

    public static async Task<JsonObject> GetHookAsync(UndbFactory factory, string id) =>
        (await factory.CreateApiClient().GetFromJsonAsync<JsonObject>($"/api/incoming-webhooks/{id}"))!;

    public static async Task<JsonArray> RequestLogAsync(UndbFactory factory, string id) =>
        (JsonArray)(await factory.CreateApiClient().GetFromJsonAsync<JsonObject>($"/api/incoming-webhooks/{id}/requests"))!["items"]!;
}
