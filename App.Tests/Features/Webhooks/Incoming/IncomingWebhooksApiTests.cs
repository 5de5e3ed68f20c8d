using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Undb.Tests.Features.Webhooks.Incoming.IncomingTestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

[Trait("Engines", "Both")]
public sealed class IncomingWebhooksApiTests(IncomingFactory factory) : IClassFixture<IncomingFactory>
{
    private readonly HttpClient _api = factory.CreateApiClient();

    [Fact]
    public async Task Create_Returns201_WithUrlKeyAndMappingByFieldName()
    {
        var hook = await CreateHookAsync(factory);
        Assert.StartsWith("uwh_", hook.Id);
        Assert.StartsWith("uwk_", hook.Key);
        Assert.EndsWith($"/hooks/{hook.Id}", hook.Url);
        Assert.Equal("$.deal.title", hook.Created["mapping"]!["fields"]!["Deal"]!.GetValue<string>());
        Assert.Equal(0, hook.Created["stats"]!["received"]!.GetValue<int>());
    }

    [Fact]
    public async Task Key_IsNeverReadableAfterCreation_OnlyMasked()
    {
        var hook = await CreateHookAsync(factory);
        var got = await GetHookAsync(factory, hook.Id);
        var listed = await _api.GetFromJsonAsync<JsonObject>($"/api/tables/{hook.TableId}/incoming-webhooks");

        Assert.Null(got["apiKey"]);
        Assert.DoesNotContain(hook.Key, got.ToJsonString());
        Assert.DoesNotContain(hook.Key, listed!.ToJsonString());
        Assert.Equal(hook.Key[..8] + "…" + hook.Key[^4..], got["apiKeyMasked"]!.GetValue<string>());
    }

    [Fact]
    public async Task RegenerateKey_ReturnsNewKeyOnce_AndTheOldOneStopsWorking()
    {
        var hook = await CreateHookAsync(factory);
        var response = await _api.PostAsync($"/api/incoming-webhooks/{hook.Id}/regenerate-key", null);
        var newKey = (await response.Content.ReadFromJsonAsync<JsonObject>())!["apiKey"]!.GetValue<string>();
        Assert.NotEqual(hook.Key, newKey);

        var client = factory.CreateAnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Post(hook, """{ "deal": { "title": "A" } }""", hook.Key))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post(hook, """{ "deal": { "title": "A" } }""", newKey))).StatusCode);
    }

    [Fact]
    public async Task Patch_ChangesNameMappingAndEnabled()
    {
        var hook = await CreateHookAsync(factory);
        var response = await _api.PatchAsJsonAsync($"/api/incoming-webhooks/{hook.Id}", new
        {
            name = "CRM", enabled = false, mapping = new { recordsPath = "$.rows", fields = new { Deal = "$.n" } },
        });
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("CRM", false, "$.rows"), (body["name"]!.GetValue<string>(), body["enabled"]!.GetValue<bool>(), body["mapping"]!["recordsPath"]!.GetValue<string>()));
        Assert.Equal("$.n", body["mapping"]!["fields"]!["Deal"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_WithUnknownFieldOrBadPath_Is400()
    {
        var table = await Undb.Tests.TestSupport.TablesSeed.DealsAsync(factory.Services);
        var response = await _api.PostAsJsonAsync($"/api/tables/{table.Id}/incoming-webhooks",
            new { name = "x", mapping = new { fields = new { Nope = "$.a", Deal = "a.b" } } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("mapping.fields.Nope"));
        Assert.True(errors.ContainsKey("mapping.fields.Deal"));
    }

    [Fact]
    public async Task Delete_RemovesIt_AndItsUrlAnswers404()
    {
        var hook = await CreateHookAsync(factory);
        Assert.Equal(HttpStatusCode.NoContent, (await _api.DeleteAsync($"/api/incoming-webhooks/{hook.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync($"/api/incoming-webhooks/{hook.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await factory.CreateAnonymousClient().SendAsync(Post(hook, "{}", hook.Key))).StatusCode);
    }

    [Fact]
    public async Task Replay_RunsALoggedPayloadThroughTheCurrentMapping()
    {
        var hook = await CreateHookAsync(factory, new { fields = new { Deal = "$.wrong" } });
        var rejected = await factory.CreateAnonymousClient().SendAsync(Post(hook, """{ "title": "Late" }""", hook.Key));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, rejected.StatusCode);
        await _api.PatchAsJsonAsync($"/api/incoming-webhooks/{hook.Id}", new { mapping = new { fields = new { Deal = "$.title" } } });

        var requestId = (await RequestLogAsync(factory, hook.Id))[0]!["id"]!.GetValue<string>();
        var replay = await _api.PostAsync($"/api/incoming-webhooks/{hook.Id}/requests/{requestId}/replay", null);
        var body = (await replay.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(201, body["status"]!.GetValue<int>());
        Assert.Equal(1, await RecordCountAsync(factory, hook.TableId));
        Assert.True((await RequestLogAsync(factory, hook.Id))[0]!["replay"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Api_NeedsALogin()
    {
        var hook = await CreateHookAsync(factory);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateAnonymousClient().GetAsync($"/api/incoming-webhooks/{hook.Id}")).StatusCode);
    }
}
