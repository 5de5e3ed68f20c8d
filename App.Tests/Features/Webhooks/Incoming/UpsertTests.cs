using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

[Trait("Engines", "Both")]
public sealed class UpsertTests(RecordingUndbFactory factory) : IClassFixture<RecordingUndbFactory>
{
    private readonly HttpClient _client = factory.CreateAnonymousClient();

    private static readonly object ByEmail = new { upsertBy = "Contact", fields = new Dictionary<string, string> { ["Deal"] = "$.name", ["Contact"] = "$.email", ["Value"] = "$.amount" } };

    private async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(CreatedHook hook, string json, string? idempotencyKey = null)
    {
        var response = await _client.SendAsync(Post(hook, json, hook.Key, idempotencyKey: idempotencyKey));
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>())!);
    }

    private static List<string> Ids(JsonObject body, string name) => body[name]!.AsArray().Select(i => i!.GetValue<string>()).ToList();

    private async Task<JsonObject> ValuesAsync(CreatedHook hook, string id) =>
        (await factory.CreateApiClient().GetFromJsonAsync<JsonObject>($"/api/tables/{hook.TableId}/records/{id}"))!["values"]!.AsObject();

    [Fact]
    public async Task FirstRequestCreates_SameKeyUpdates_FiringRecordUpdatedWithPrevious()
    {
        var hook = await CreateHookAsync(factory, ByEmail);
        Assert.Equal("Contact", hook.Created["mapping"]!["upsertBy"]!.GetValue<string>());

        var (status, first) = await SendAsync(hook, """{ "email": "ann@acme.test", "name": "Acme", "amount": 100 }""");
        Assert.Equal(HttpStatusCode.Created, status);
        var id = Assert.Single(Ids(first, "created"));
        Assert.Empty(Ids(first, "updated"));
        Assert.Equal([id], Ids(first, "recordIds"));

        var (again, second) = await SendAsync(hook, """{ "email": "ann@acme.test", "name": "Acme Corp", "amount": 100 }""");
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Empty(Ids(second, "created"));
        Assert.Equal([id], Ids(second, "updated"));
        Assert.Equal([id], Ids(second, "recordIds"));
        Assert.Equal(1, await RecordCountAsync(factory, hook.TableId));
        Assert.Equal("Acme Corp", (await ValuesAsync(hook, id))["Deal"]!.GetValue<string>());

        var update = factory.Sink.For(hook.TableId).Select(b => b.Batch).Last();
        var change = Assert.Single(update.Changes);
        Assert.Equal(ChangeKind.Updated, change.Kind);
        Assert.Equal(id, change.Record.Id);
        var deal = (await factory.Services.GetRequiredService<TableService>().GetAsync(hook.TableId))!.Fields.Single(f => f.Name == "Deal");
        Assert.Equal("Acme", change.Previous![deal.Id]!.GetValue<string>());
        Assert.Single(change.Previous); // only what changed
    }

    /// <summary>An email key matches in any case: Ann@Acme.TEST is ann@acme.test (a new-user run got a second record).</summary>
    [Fact]
    public async Task AnEmailKey_MatchesInAnyCase()
    {
        var hook = await CreateHookAsync(factory, ByEmail);
        var (_, first) = await SendAsync(hook, """{ "email": "ann@acme.test", "name": "Acme" }""");
        var id = Assert.Single(Ids(first, "created"));

        var (status, again) = await SendAsync(hook, """{ "email": "Ann@Acme.TEST", "name": "Acme Corp" }""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([id], Ids(again, "updated"));
        Assert.Equal(1, await RecordCountAsync(factory, hook.TableId));
        var values = await ValuesAsync(hook, id);
        Assert.Equal("Acme Corp", values["Deal"]!.GetValue<string>());
        Assert.Equal("Ann@Acme.TEST", values["Contact"]!.GetValue<string>()); // kept as last sent

        // Two cases of one address in one request are one record too.
        var list = await CreateHookAsync(factory, new { recordsPath = "$.leads", upsertBy = "Contact", fields = new Dictionary<string, string> { ["Deal"] = "$.name", ["Contact"] = "$.email" } });
        var (_, pair) = await SendAsync(list, """{ "leads": [ { "email": "bo@x.test", "name": "B" }, { "email": "BO@x.test", "name": "B2" } ] }""");
        Assert.Single(Ids(pair, "created"));
        Assert.Equal(1, await RecordCountAsync(factory, list.TableId));
    }

    [Fact]
    public async Task AnArray_CreatesAndUpdatesInOneRequest_AndTheSameKeyTwiceIsOneRecord()
    {
        var hook = await CreateHookAsync(factory, new { recordsPath = "$.leads", upsertBy = "Contact", fields = new Dictionary<string, string> { ["Deal"] = "$.name", ["Contact"] = "$.email" } });
        var (_, seeded) = await SendAsync(hook, """{ "leads": [ { "email": "a@x.test", "name": "A" } ] }""");
        var a = Assert.Single(Ids(seeded, "created"));

        var (status, body) = await SendAsync(hook, """{ "leads": [ { "email": "b@x.test", "name": "B" }, { "email": "a@x.test", "name": "A2" }, { "email": "b@x.test", "name": "B2" } ] }""");

        Assert.Equal(HttpStatusCode.Created, status);
        var b = Assert.Single(Ids(body, "created"));
        Assert.Equal([a], Ids(body, "updated"));
        Assert.Equal(2, await RecordCountAsync(factory, hook.TableId));
        Assert.Equal("B2", (await ValuesAsync(hook, b))["Deal"]!.GetValue<string>());
        Assert.Equal("A2", (await ValuesAsync(hook, a))["Deal"]!.GetValue<string>());
    }

    [Fact]
    public async Task AKeyMatchingSeveralRecords_Is409_NothingWritten()
    {
        var hook = await CreateHookAsync(factory, ByEmail);
        var api = factory.CreateApiClient();
        foreach (var name in new[] { "One", "Two" })
        {
            var created = await api.PostAsJsonAsync($"/api/tables/{hook.TableId}/records", new { values = new { Deal = name, Contact = "dup@x.test" } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var (status, body) = await SendAsync(hook, """{ "email": "dup@x.test", "name": "Three" }""");

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("2 records", body["detail"]!.GetValue<string>());
        Assert.Equal(2, await RecordCountAsync(factory, hook.TableId));
        Assert.Equal(409, (await RequestLogAsync(factory, hook.Id))[0]!["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task ARepeatedIdempotencyKey_ReturnsTheFirstUpsertAnswer_AndWritesNothing()
    {
        var hook = await CreateHookAsync(factory, ByEmail);
        var (_, first) = await SendAsync(hook, """{ "email": "i@x.test", "name": "First" }""", idempotencyKey: "evt-1");
        var (status, repeat) = await SendAsync(hook, """{ "email": "i@x.test", "name": "Changed" }""", idempotencyKey: "evt-1");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(Ids(first, "created"), Ids(repeat, "created"));
        Assert.Equal("First", (await ValuesAsync(hook, Ids(first, "created")[0]))["Deal"]!.GetValue<string>());
    }

    [Fact]
    public async Task ANumberKey_Matches()
    {
        var hook = await CreateHookAsync(factory, new { upsertBy = "Value", fields = new Dictionary<string, string> { ["Deal"] = "$.name", ["Value"] = "$.n" } });
        var (_, first) = await SendAsync(hook, """{ "n": "42", "name": "A" }""");
        var (status, second) = await SendAsync(hook, """{ "n": 42, "name": "B" }""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Ids(first, "created"), Ids(second, "updated"));
    }

    [Theory]
    [InlineData("Close", "upsert by a text")]
    [InlineData("Site", "Map a path to 'Site'")]
    [InlineData("Nope", "not a field")]
    public async Task AnUnusableKeyField_Is400(string upsertBy, string expected)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var response = await factory.CreateApiClient().PostAsJsonAsync($"/api/tables/{table.Id}/incoming-webhooks",
            new { name = "X", mapping = new { upsertBy, fields = new Dictionary<string, string> { ["Deal"] = "$.name", ["Close"] = "$.close" } } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
    }
}
