using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.Features.Webhooks.Incoming;
using Undb.Tests.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks;

/// <summary>
/// Webhooks refer to fields by id (issue 17, items 5 and 6): a rename keeps conditions and mappings working under the
/// new name; deleting a used field is confirmed first (409 unless forced) and leaves a visible, fixable problem.
/// </summary>
[Trait("Engines", "Both")]
public sealed class FieldReferencesTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private readonly HttpClient _api = factory.CreateApiClient();
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private TableService Tables => factory.Services.GetRequiredService<TableService>();

    private sealed record Setup(TableSnapshot Table, FieldEntity Stage, string WebhookId, CreatedHook Hook);

    /// <summary>A table with a webhook whose condition uses Stage, and an incoming webhook that maps into Stage.</summary>
    private async Task<Setup> SetupAsync(string conjunction = "and")
    {
        var hook = await IncomingTestSupport.CreateHookAsync(factory, new { fields = new Dictionary<string, string> { ["Deal"] = "$.deal", ["Stage"] = "$.stage" } });
        var table = (await Tables.GetAsync(hook.TableId))!;
        var (webhookId, _) = await _api.CreateWebhookAsync(table.Id, new
        {
            name = "Won deals", url = _receiver.Url, events = new[] { "record.created" },
            condition = new
            {
                conjunction,
                filters = new object[] { new { field = "Stage", @operator = "is", value = "Won" }, new { field = "Deal", @operator = "isNotEmpty" } },
                changedFields = new[] { "Stage" },
            },
        });
        return new Setup(table, table.Fields.Single(f => f.Name == "Stage"), webhookId, hook);
    }

    [Fact]
    public async Task Rename_TheApiShowsTheNewName_AndAConditionSavedAsShownStillSaves()
    {
        var s = await SetupAsync();

        await Tables.UpdateFieldAsync(s.Table.Id, s.Stage.Id, new FieldChanges(Name: "Phase"), null);

        var webhook = await _api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{s.WebhookId}");
        var condition = webhook["condition"]!;
        Assert.Equal("Phase", condition["filters"]![0]!["field"]!.GetValue<string>());
        Assert.Equal("Phase", condition["changedFields"]![0]!.GetValue<string>());
        Assert.Empty(webhook["problems"]!.AsArray());
        Assert.Null(webhook["storedCondition"]);
        // What GET shows can be sent back as is.
        await _api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{s.WebhookId}", new { condition });
        var incoming = await _api.SendJsonAsync(HttpMethod.Get, $"/api/incoming-webhooks/{s.Hook.Id}");
        Assert.Equal("$.stage", incoming["mapping"]!["fields"]!["Phase"]!.GetValue<string>());

        // And both still work: the condition matches on the renamed field, the mapping fills it.
        var created = await factory.CreateAnonymousClient().SendAsync(IncomingTestSupport.Post(s.Hook, """{ "deal": "Acme", "stage": "Won" }""", s.Hook.Key));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sent = await _receiver.WaitForCountAsync(1);
        Assert.Equal("Won", sent[0].Payload()["event"]!["record"]!["Phase"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeleteField_UsedByWebhooks_Is409ListingThem_AndNothingIsDeleted()
    {
        var s = await SetupAsync();

        var response = await _api.DeleteAsync($"/api/tables/{s.Table.Id}/fields/{s.Stage.Id}");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("force=true", problem["detail"]!.GetValue<string>());
        var usedBy = problem["usedBy"]!.AsArray();
        Assert.Equal(
            [("webhook", s.WebhookId, "Won deals", "condition filter, watched field"), ("incomingWebhook", s.Hook.Id, "Form", "mapping from $.stage")],
            usedBy.Select(u => (u!["kind"]!.GetValue<string>(), u["id"]!.GetValue<string>(), u["name"]!.GetValue<string>(), u["use"]!.GetValue<string>())));
        Assert.NotNull((await Tables.GetAsync(s.Table.Id))!.FieldById(s.Stage.Id));
        var usages = await _api.SendJsonAsync(HttpMethod.Get, $"/api/tables/{s.Table.Id}/fields/{s.Stage.Id}/usages");
        Assert.Equal(2, usages["items"]!.AsArray().Count);

        // A field nothing uses is deleted as before.
        var notes = s.Table.Fields.Single(f => f.Name == "Notes");
        Assert.Equal(HttpStatusCode.NoContent, (await _api.DeleteAsync($"/api/tables/{s.Table.Id}/fields/{notes.Id}")).StatusCode);
    }

    [Fact]
    public async Task DeleteField_Forced_WebhooksShowTheProblem_AFilterOnItMatchesNothing_AndTheyStayEditable()
    {
        var s = await SetupAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await _api.DeleteAsync($"/api/tables/{s.Table.Id}/fields/{s.Stage.Id}?force=true")).StatusCode);

        var webhook = await _api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{s.WebhookId}");
        var problems = webhook["problems"]!.AsArray();
        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.Equal(ConditionMapper.DeletedField, p!["code"]!.GetValue<string>()));
        Assert.Contains("nothing is sent", problems[0]!["message"]!.GetValue<string>());
        Assert.Equal(s.Stage.Id, problems[0]!["fieldId"]!.GetValue<string>());

        // An AND condition with a filter on the deleted field matches no change.
        await _api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{s.Table.Id}/records", new { values = new { Deal = "Acme" } });
        Assert.Equal(0, (await _api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{s.WebhookId}/deliveries"))["total"]!.GetValue<int>());

        // Saved as shown, the deleted field is refused with a message that says what to do.
        var response = await _api.PatchAsJsonAsync($"/api/webhooks/{s.WebhookId}", new { condition = webhook["condition"] });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode); // webhook settings errors are 422
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!;
        Assert.Contains("was deleted", errors["condition.filters[0].field"]![0]!.GetValue<string>());

        // Edited: the problem is gone and the webhook sends again.
        await _api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{s.WebhookId}", new { condition = new { filters = new[] { new { field = "Deal", @operator = "isNotEmpty" } } } });
        Assert.Empty((await _api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{s.WebhookId}"))["problems"]!.AsArray());
        await _api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{s.Table.Id}/records", new { values = new { Deal = "Globex" } });
        Assert.Equal("Globex", (await _receiver.WaitForCountAsync(1))[0].Payload()["event"]!["record"]!["Deal"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeleteField_AnOrConditionKeepsSendingOnItsOtherFilters_AndSaysSo()
    {
        var s = await SetupAsync(conjunction: "or");
        await _api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{s.WebhookId}", new
        {
            condition = new { conjunction = "or", filters = new object[] { new { field = "Stage", @operator = "is", value = "Won" }, new { field = "Deal", @operator = "isNotEmpty" } } },
        });

        await _api.DeleteAsync($"/api/tables/{s.Table.Id}/fields/{s.Stage.Id}?force=true");

        var problem = Assert.Single((await _api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{s.WebhookId}"))["problems"]!.AsArray());
        Assert.Contains("only the other filters can send", problem!["message"]!.GetValue<string>());
        await _api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{s.Table.Id}/records", new { values = new { Deal = "Acme" } });
        Assert.Equal("Acme", (await _receiver.WaitForCountAsync(1))[0].Payload()["event"]!["record"]!["Deal"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeleteField_TheIncomingMappingSkipsIt_TheLogSaysSo_AndTheApiShowsTheProblem()
    {
        var s = await SetupAsync();
        await _api.DeleteAsync($"/api/tables/{s.Table.Id}/fields/{s.Stage.Id}?force=true");

        var incoming = await _api.SendJsonAsync(HttpMethod.Get, $"/api/incoming-webhooks/{s.Hook.Id}");
        var problem = Assert.Single(incoming["problems"]!.AsArray())!;
        Assert.Equal(("deletedField", s.Stage.Id, "$.stage"), (problem["code"]!.GetValue<string>(), problem["fieldId"]!.GetValue<string>(), problem["path"]!.GetValue<string>()));
        Assert.Null(incoming["mapping"]!["fields"]!["Stage"]);

        var response = await factory.CreateAnonymousClient().SendAsync(IncomingTestSupport.Post(s.Hook, """{ "deal": "Acme", "stage": "Won" }""", s.Hook.Key));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var log = await _api.SendJsonAsync(HttpMethod.Get, $"/api/incoming-webhooks/{s.Hook.Id}/requests");
        var entry = log["items"]![0]!;
        Assert.Equal(201, entry["status"]!.GetValue<int>());
        Assert.Contains("Skipped $.stage", entry["error"]!.GetValue<string>());

        // Saving the mapping without it clears the problem, and the log has nothing to say any more.
        await _api.SendJsonAsync(HttpMethod.Patch, $"/api/incoming-webhooks/{s.Hook.Id}", new { mapping = new { fields = new { Deal = "$.deal" } } });
        Assert.Empty((await _api.SendJsonAsync(HttpMethod.Get, $"/api/incoming-webhooks/{s.Hook.Id}"))["problems"]!.AsArray());
        await factory.CreateAnonymousClient().SendAsync(IncomingTestSupport.Post(s.Hook, """{ "deal": "Globex" }""", s.Hook.Key));
        Assert.Null((await _api.SendJsonAsync(HttpMethod.Get, $"/api/incoming-webhooks/{s.Hook.Id}/requests"))["items"]![0]!["error"]);
    }
}
