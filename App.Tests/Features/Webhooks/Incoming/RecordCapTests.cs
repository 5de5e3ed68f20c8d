using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Undb.Tests.TestSupport;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class RecordCapFactory : UndbFactory
{
    public const int MaxRecords = 3;

    public RecordCapFactory() => Settings["IncomingWebhooks:MaxRecordsPerRequest"] = MaxRecords.ToString();
}

public sealed class RecordCapTests(RecordCapFactory factory) : IClassFixture<RecordCapFactory>
{
    private readonly HttpClient _client = factory.CreateAnonymousClient();

    private static string Items(int count) =>
        new JsonObject { ["items"] = new JsonArray(Enumerable.Range(1, count).Select(i => (JsonNode?)new JsonObject { ["name"] = $"Deal {i}" }).ToArray()) }.ToJsonString();

    [Fact]
    public async Task Post_MoreRecordsThanTheLimit_Is413NamingTheLimit_NothingWritten_AndLogged()
    {
        var hook = await CreateHookAsync(factory, new { recordsPath = "$.items", fields = new { Deal = "$.name" } });

        var response = await _client.SendAsync(Post(hook, Items(RecordCapFactory.MaxRecords + 1), hook.Key));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(413, problem["status"]!.GetValue<int>());
        Assert.Equal(RecordCapFactory.MaxRecords, problem["maxRecords"]!.GetValue<int>());
        Assert.Contains($"at most {RecordCapFactory.MaxRecords} ", problem["detail"]!.GetValue<string>());
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
        var logged = Assert.Single(await RequestLogAsync(factory, hook.Id))!;
        Assert.Equal(413, logged["status"]!.GetValue<int>());
        Assert.Contains($"at most {RecordCapFactory.MaxRecords} ", logged["error"]!.GetValue<string>());
        Assert.Equal(1, (await GetHookAsync(factory, hook.Id))["stats"]!["rejected"]!.GetValue<int>());
    }

    [Fact]
    public async Task Post_ExactlyTheLimit_IsAccepted()
    {
        var hook = await CreateHookAsync(factory, new { recordsPath = "$.items", fields = new { Deal = "$.name" } });

        var response = await _client.SendAsync(Post(hook, Items(RecordCapFactory.MaxRecords), hook.Key));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(RecordCapFactory.MaxRecords, await RecordCountAsync(factory, hook.TableId));
    }

    [Fact]
    public async Task ReplayingARejectedPayload_IsRefusedTheSameWay_NothingWritten()
    {
        var hook = await CreateHookAsync(factory, new { recordsPath = "$.items", fields = new { Deal = "$.name" } });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await _client.SendAsync(Post(hook, Items(RecordCapFactory.MaxRecords + 1), hook.Key))).StatusCode);
        var requestId = Assert.Single(await RequestLogAsync(factory, hook.Id))!["id"]!.GetValue<string>();

        var replay = await factory.CreateApiClient().PostAsync($"/api/incoming-webhooks/{hook.Id}/requests/{requestId}/replay", null);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(413, (await replay.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<int>());
        Assert.Equal(0, await RecordCountAsync(factory, hook.TableId));
    }
}
