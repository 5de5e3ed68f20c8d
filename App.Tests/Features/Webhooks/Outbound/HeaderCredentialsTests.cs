using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>Custom header values are receiver credentials: encrypted at rest, masked wherever shown, revealed only on request.</summary>
public sealed class HeaderCredentialsTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private const string Token = "Bearer s3cret-token-0123456789";
    private const string Mask = "********";
    private LoopbackReceiver _receiver = default!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private async Task<(string Id, string TableId, HttpClient Api)> WebhookWithTokenAsync()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var response = await api.PostAsJsonAsync($"/api/tables/{table.Id}/webhooks", new
        {
            name = "crm", url = _receiver.Url, events = new[] { "record.created" },
            headers = new Dictionary<string, string> { ["Authorization"] = Token, ["X-Env"] = "prod" },
        });
        var created = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        // Even the create answer, which shows the secret once, does not echo the credentials back.
        Assert.Equal(Mask, created["headers"]!["Authorization"]!.GetValue<string>());
        return (created["id"]!.GetValue<string>(), table.Id, api);
    }

    private AppDbContext Db() => factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();

    [Fact]
    public async Task HeaderValues_AreEncryptedAtRest_MaskedInTheApi_RevealedOnRequest_AndSentInFull()
    {
        var (id, tableId, api) = await WebhookWithTokenAsync();

        var one = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{id}");
        var list = await api.SendJsonAsync(HttpMethod.Get, $"/api/tables/{tableId}/webhooks");
        var revealed = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{id}/headers");
        await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");

        Assert.Equal(new Dictionary<string, string> { ["Authorization"] = Mask, ["X-Env"] = Mask }, Headers(one["headers"]!));
        Assert.Equal(new Dictionary<string, string> { ["Authorization"] = Mask, ["X-Env"] = Mask }, Headers(list["items"]![0]!["headers"]!));
        Assert.Equal(new Dictionary<string, string> { ["Authorization"] = Token, ["X-Env"] = "prod" }, Headers(revealed["headers"]!));
        Assert.Equal(Token, Assert.Single(_receiver.Requests).Header("Authorization"));
        using var db = Db();
        var stored = await db.Webhooks.AsNoTracking().SingleAsync(w => w.Id == id);
        Assert.DoesNotContain(stored.Headers.Values, v => v.Contains("s3cret") || v == "prod");
    }

    [Fact]
    public async Task TheAttemptLog_MasksCustomHeaderValues_InTheApiAndInTheDatabase()
    {
        var (id, _, api) = await WebhookWithTokenAsync();

        var attempt = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");
        var detail = await api.SendJsonAsync(HttpMethod.Get, $"/api/deliveries/{attempt["deliveryId"]}");

        Assert.Equal(Mask, attempt["request"]!["headers"]!["Authorization"]!.GetValue<string>());
        Assert.Equal(Mask, detail["attempts"]![0]!["request"]!["headers"]!["Authorization"]!.GetValue<string>());
        // The engine's own headers stay readable: they are what a receiver debugs signatures with.
        Assert.StartsWith("v1,", attempt["request"]!["headers"]!["webhook-signature"]!.GetValue<string>());
        using var db = Db();
        var raw = await db.Database.SqlQueryRaw<string>("SELECT RequestHeaders AS Value FROM DeliveryAttempts WHERE WebhookId = {0}", id).ToListAsync();
        Assert.DoesNotContain(raw, r => r.Contains("s3cret"));
    }

    [Fact]
    public async Task Patch_SendingBackTheMaskedValue_KeepsTheRealOne_ANewValueReplacesIt()
    {
        var (id, _, api) = await WebhookWithTokenAsync();
        var current = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{id}");

        // A client that edits one header sends the whole map back, the others still masked.
        var headers = Headers(current["headers"]!);
        headers["X-Env"] = "staging";
        await api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{id}", new { headers });

        var revealed = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{id}/headers");
        Assert.Equal(new Dictionary<string, string> { ["Authorization"] = Token, ["X-Env"] = "staging" }, Headers(revealed["headers"]!));
    }

    [Fact]
    public async Task AMaskedValue_ForAHeaderWithNoSavedValue_Is422()
    {
        var (id, tableId, api) = await WebhookWithTokenAsync();

        var patch = await api.PatchAsJsonAsync($"/api/webhooks/{id}", new { headers = new Dictionary<string, string> { ["Authorization"] = Mask, ["X-New"] = Mask } });
        var create = await api.PostAsJsonAsync($"/api/tables/{tableId}/webhooks",
            new { name = "copy", url = _receiver.Url, events = new[] { "record.created" }, headers = new Dictionary<string, string> { ["Authorization"] = Mask } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, patch.StatusCode);
        Assert.NotNull(JsonNode.Parse(await patch.Content.ReadAsStringAsync())!["errors"]!["headers.X-New"]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, create.StatusCode);
        Assert.NotNull(JsonNode.Parse(await create.Content.ReadAsStringAsync())!["errors"]!["headers.Authorization"]);
        var revealed = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{id}/headers");
        Assert.Equal(Token, revealed["headers"]!["Authorization"]!.GetValue<string>());
    }

    [Fact]
    public async Task PlaintextSavedByAnEarlierVersion_KeepsWorking_AndIsEncryptedAtStartUp()
    {
        var (id, _, api) = await WebhookWithTokenAsync();
        await using (var db = Db())
        {
            var webhook = await db.Webhooks.SingleAsync(w => w.Id == id);
            webhook.Headers = new() { ["Authorization"] = "Bearer legacy-plain" };
            await db.SaveChangesAsync();
        }

        var before = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{id}");
        await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");
        await factory.Services.GetRequiredService<WebhookHeaderValues>().ProtectStoredAsync(CancellationToken.None);
        await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");

        Assert.Equal(Mask, before["headers"]!["Authorization"]!.GetValue<string>());
        Assert.All(_receiver.Requests, r => Assert.Equal("Bearer legacy-plain", r.Header("Authorization")));
        Assert.Equal(2, _receiver.Requests.Count);
        using var check = Db();
        var stored = await check.Webhooks.AsNoTracking().SingleAsync(w => w.Id == id);
        Assert.DoesNotContain("legacy-plain", stored.Headers["Authorization"]);
    }

    [Fact]
    public async Task AttemptsLoggedByAnEarlierVersion_AreMaskedByTheMigration()
    {
        var (id, _, api) = await WebhookWithTokenAsync();
        var attempt = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{id}/test");
        var attemptId = attempt["id"]!.GetValue<string>();
        await using (var db = Db())
        {
            // What the earlier version stored: the custom values in plain text beside the engine's headers.
            var row = await db.DeliveryAttempts.SingleAsync(a => a.Id == attemptId);
            row.RequestHeaders = new() { ["Content-Type"] = "application/json", ["webhook-id"] = "evt_1", ["X-Undb-Event"] = "webhook.test", ["Authorization"] = "Bearer old-plain", ["X-Env"] = "prod" };
            await db.SaveChangesAsync();
            await db.Database.ExecuteSqlRawAsync(Undb.Data.Sqlite.Migrations.MaskCustomHeaderValues.MaskAttemptsSql);
        }

        using var check = Db();
        var masked = (await check.DeliveryAttempts.AsNoTracking().SingleAsync(a => a.Id == attemptId)).RequestHeaders;
        Assert.Equal(new Dictionary<string, string>
        {
            ["Content-Type"] = "application/json", ["webhook-id"] = "evt_1", ["X-Undb-Event"] = "webhook.test", ["Authorization"] = Mask, ["X-Env"] = Mask,
        }, masked);
    }

    [Fact]
    public async Task TestingUnsavedEdits_WithMaskedValues_SendsTheSavedValues()
    {
        var (id, tableId, _) = await WebhookWithTokenAsync();
        var tester = factory.Services.GetRequiredService<WebhookDraftTester>();

        var result = await tester.SendAsync(tableId, id,
            new WebhookRequest("crm", _receiver.Url, "POST", ["record.created"], new Dictionary<string, string> { ["Authorization"] = Mask, ["X-Env"] = "draft" }, null, null),
            actorId: null);

        Assert.True(result.Attempt.Succeeded, result.Attempt.Error);
        var received = Assert.Single(_receiver.Requests);
        Assert.Equal((Token, "draft"), (received.Header("Authorization"), received.Header("X-Env")));
        Assert.Equal(Mask, result.Attempt.Request.Headers["Authorization"]);
    }

    [Fact]
    public async Task Duplicating_CopiesTheRealValues()
    {
        var (id, _, api) = await WebhookWithTokenAsync();

        var copy = await factory.Services.GetRequiredService<WebhookHealthService>().DuplicateAsync(id, actorId: null);

        var revealed = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{copy.Webhook.Id}/headers");
        Assert.Equal(Token, revealed["headers"]!["Authorization"]!.GetValue<string>());
    }

    private static Dictionary<string, string> Headers(JsonNode node) =>
        node.AsObject().ToDictionary(h => h.Key, h => h.Value!.GetValue<string>());
}
