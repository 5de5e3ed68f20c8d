using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>End to end through the REST API to a real Kestrel receiver: signatures, headers, history, test, redeliver, rotation.</summary>
[Trait("Engines", "Both")]
public sealed class DeliveryIntegrationTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task RecordCreated_ArrivesSignedWithStandardAndGitHubSignatures_AndCustomHeaders()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (webhookId, secret) = await api.CreateWebhookAsync(table.Id, new
        {
            name = "CRM", url = _receiver.Url, method = "PUT", events = new[] { "record.created" }, headers = new Dictionary<string, string> { ["X-Env"] = "prod" },
        });
        Assert.StartsWith("whsec_", secret);
        using var signals = new DeliverySignals(factory.Services);

        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Acme" } });
        var request = (await _receiver.WaitForCountAsync(1))[0];

        Assert.Equal("PUT", request.Method);
        Assert.True(request.VerifiesWith(secret), "webhook-signature must verify with the webhook's secret");
        Assert.False(request.VerifiesWith(WebhookSigner.NewSecret()));
        Assert.Equal(request.Payload()["id"]!.GetValue<string>(), request.Header("webhook-id"));
        var timestamp = long.Parse(request.Header("webhook-timestamp"));
        Assert.InRange(timestamp, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
        Assert.Equal(WebhookSigner.GitHubStyle(secret, request.Body), request.Header("X-Undb-Signature"));
        Assert.Equal("prod", request.Header("X-Env"));
        Assert.StartsWith("Undb.Blazor-Webhooks/", request.Header("User-Agent"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));

        // The receiver has the request before the engine stores the answer; wait for the delivery to settle.
        var settled = await signals.NextAsync(c => c.WebhookId == webhookId && c.Status == DeliveryStatus.Succeeded);
        var deliveries = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries?status=succeeded");
        Assert.Equal(settled.DeliveryId, deliveries["items"]![0]!["id"]!.GetValue<string>());
        var detail = await api.SendJsonAsync(HttpMethod.Get, $"/api/deliveries/{settled.DeliveryId}");
        var attempt = detail["attempts"]![0]!;
        Assert.Equal(200, attempt["response"]!["status"]!.GetValue<int>());
        Assert.Equal("scheduled", attempt["trigger"]!.GetValue<string>());
        Assert.Equal(request.Body, attempt["request"]!["body"]!.GetValue<string>());
        Assert.Equal(request.Body, detail["payload"]!.GetValue<string>());
    }

    [Fact]
    public async Task Secret_IsMaskedExceptOnCreateAndSecretRoute_AndEncryptedAtRest()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (webhookId, secret) = await api.CreateWebhookAsync(table.Id, new { name = "m", url = _receiver.Url, events = new[] { "record.created" } });

        var shown = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}");
        Assert.NotEqual(secret, shown["secret"]!.GetValue<string>());
        Assert.Contains("…", shown["secret"]!.GetValue<string>());
        var listed = await api.SendJsonAsync(HttpMethod.Get, $"/api/tables/{table.Id}/webhooks");
        Assert.DoesNotContain(secret, listed.ToJsonString());
        Assert.Equal(secret, (await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/secret"))["secret"]!.GetValue<string>());

        await using var db = await factory.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Undb.Data.AppDbContext>>().CreateDbContextAsync();
        var stored = db.Webhooks.Single(w => w.Id == webhookId).SecretProtected;
        Assert.DoesNotContain(secret[6..], stored);
    }

    [Fact]
    public async Task RotateSecret_SignsWithNewAndOldUntilOldExpires()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (webhookId, oldSecret) = await api.CreateWebhookAsync(table.Id, new { name = "r", url = _receiver.Url, events = new[] { "record.created" } });

        var rotated = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{webhookId}/rotate-secret");
        var newSecret = rotated["secret"]!.GetValue<string>();
        Assert.NotEqual(oldSecret, newSecret);
        Assert.NotNull(rotated["previousSecretExpiresAt"]);

        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Rotated" } });
        var request = (await _receiver.WaitForCountAsync(1))[0];
        Assert.Equal(2, request.Header("webhook-signature").Split(' ').Length);
        Assert.True(request.VerifiesWith(newSecret));
        Assert.True(request.VerifiesWith(oldSecret));
        Assert.Equal(WebhookSigner.GitHubStyle(newSecret, request.Body), request.Header("X-Undb-Signature"));
    }

    [Fact]
    public async Task TestSend_ReturnsTheAttempt_AndRedeliverSendsTheSameEventAgain()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (webhookId, secret) = await api.CreateWebhookAsync(table.Id, new { name = "t", url = _receiver.Url, events = new[] { "record.created" } });

        var attempt = await api.SendJsonAsync(HttpMethod.Post, $"/api/webhooks/{webhookId}/test");
        Assert.Equal("test", attempt["trigger"]!.GetValue<string>());
        Assert.True(attempt["succeeded"]!.GetValue<bool>());
        Assert.Equal(200, attempt["response"]!["status"]!.GetValue<int>());
        var test = (await _receiver.WaitForCountAsync(1))[0];
        Assert.Equal("webhook.test", test.EventName());
        Assert.True(test.VerifiesWith(secret));

        var redelivered = await api.SendJsonAsync(HttpMethod.Post, $"/api/deliveries/{attempt["deliveryId"]}/redeliver");
        Assert.Equal("manual", redelivered["trigger"]!.GetValue<string>());
        var both = await _receiver.WaitForCountAsync(2);
        Assert.Equal(both[0].Header("webhook-id"), both[1].Header("webhook-id"));
        var detail = await api.SendJsonAsync(HttpMethod.Get, $"/api/deliveries/{attempt["deliveryId"]}");
        Assert.Equal(2, detail["attempts"]!.AsArray().Count);
        Assert.Equal("succeeded", detail["delivery"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Condition_SendsOnlyMatchingChanges()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new
        {
            name = "won", url = _receiver.Url, events = new[] { "record.created", "record.updated" },
            condition = new { conjunction = "and", filters = new[] { new { field = "Stage", @operator = "is", value = "Won" } }, changedFields = new[] { "Stage" } },
        });
        var shown = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}");
        Assert.Equal("Stage", shown["condition"]!["filters"]![0]!["field"]!.GetValue<string>());

        var lead = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "L", Stage = "Lead" } });
        var won = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "W", Stage = "Won" } });
        await api.SendJsonAsync(HttpMethod.Patch, $"/api/tables/{table.Id}/records/{won["id"]}", new { values = new { Value = 3 } });
        await api.SendJsonAsync(HttpMethod.Patch, $"/api/tables/{table.Id}/records/{lead["id"]}", new { values = new { Stage = "Won" } });

        var page = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries");
        var sent = page["items"]!.AsArray().Select(d => $"{d!["event"]}:{d["recordId"]}").OrderBy(x => x).ToList();
        Assert.Equal(new[] { $"record.created:{won["id"]}", $"record.updated:{lead["id"]}" }.OrderBy(x => x), sent);
    }

    [Fact]
    public async Task Webhook_CrudAndValidation()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var bad = await api.PostAsJsonAsync($"/api/tables/{table.Id}/webhooks", new { name = "", url = "ftp://x", method = "GET", events = new[] { "record.moved" }, headers = new Dictionary<string, string> { ["webhook-id"] = "x" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        var errors = JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.Equal(new[] { "events[0]", "headers.webhook-id", "method", "name", "url" }, errors.Select(e => e.Key).OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsJsonAsync("/api/tables/tbl_nope/webhooks", new { name = "x", url = _receiver.Url, events = new[] { "record.created" } })).StatusCode);

        var (id, _) = await api.CreateWebhookAsync(table.Id, new { name = "x", url = _receiver.Url, events = new[] { "record.created" }, condition = new { filters = new[] { new { field = "Deal", @operator = "isNotEmpty" } } } });
        var patched = await api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{id}", new { name = "renamed", enabled = false });
        Assert.Equal("renamed", patched["name"]!.GetValue<string>());
        Assert.False(patched["enabled"]!.GetValue<bool>());
        Assert.NotNull(patched["condition"]);
        var cleared = await api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{id}", new { condition = (object?)null });
        Assert.Null(cleared["condition"]);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/webhooks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/webhooks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync($"/api/webhooks/{id}/deliveries?status=lost")).StatusCode);
    }

    [Fact]
    public async Task AWebhookDeletedWhileATestIsSent_IsDeleted_AndTheSendAnswersWithTheAttempt()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var (id, _) = await api.CreateWebhookAsync(table.Id, new { name = "gone", url = _receiver.Url, events = new[] { "record.created" } });
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _receiver.Respond = async (_, ctx) =>
        {
            await answer.Task;
            ctx.Response.StatusCode = 200;
        };

        // The receiver has the test request and has not answered yet when the webhook (and its deliveries) is deleted.
        var send = api.PostAsync($"/api/webhooks/{id}/test", null);
        await _receiver.WaitForCountAsync(1);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/webhooks/{id}")).StatusCode);
        answer.SetResult();

        // The attempt happened and is shown; there is no delivery left to keep it on.
        var response = await send;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["succeeded"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/webhooks/{id}")).StatusCode);
    }
}
