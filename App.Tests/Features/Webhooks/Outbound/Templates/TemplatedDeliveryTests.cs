using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Undb.Features.Webhooks.Outbound;
using Undb.Features.Webhooks.Outbound.Templates;
using Microsoft.Extensions.DependencyInjection;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound.Templates;

/// <summary>A templated webhook sends the rendered body, with its content type, signed over exactly those bytes.</summary>
[Trait("Engines", "Both")]
public sealed class TemplatedDeliveryTests(OutboundFactory factory) : IClassFixture<OutboundFactory>, IAsyncLifetime
{
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Theory]
    [InlineData("slack")]
    [InlineData("discord")]
    [InlineData("teams")]
    [InlineData("thin")]
    public async Task APreset_IsSentRendered_AndSignedOverTheRenderedBody(string presetId)
    {
        var preset = PayloadPresets.Find(presetId)!;
        var table = await TablesSeed.DealsAsync(factory.Services, "T " + presetId);
        var api = factory.CreateApiClient();
        using var signals = new DeliverySignals(factory.Services);
        var (webhookId, secret) = await api.CreateWebhookAsync(table.Id, new { name = presetId, url = _receiver.BaseUrl + "/" + presetId, events = new[] { "record.created" }, payloadTemplate = preset.Template });
        var shown = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}");
        Assert.Equal(preset.Template, shown["payloadTemplate"]!.GetValue<string>());
        Assert.Equal("json", shown["contentType"]!.GetValue<string>());

        var record = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Acme \"quoted\"" } });
        var request = (await _receiver.WaitForAsync(r => r.Any(q => q.Path == "/" + presetId))).Single(q => q.Path == "/" + presetId);

        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.True(request.VerifiesWith(secret), "webhook-signature must verify over the rendered body");
        Assert.Equal(WebhookSigner.GitHubStyle(secret, request.Body), request.Header("X-Undb-Signature"));
        var body = JsonNode.Parse(request.Body)!;
        switch (presetId)
        {
            case "slack": Assert.Contains("Acme \"quoted\"", body["text"]!.GetValue<string>()); break;
            case "discord": Assert.Contains("Acme \"quoted\"", body["content"]!.GetValue<string>()); break;
            case "teams": Assert.Contains("Acme \"quoted\"", body["attachments"]![0]!["content"]!["body"]![1]!["text"]!.GetValue<string>()); break;
            case "thin": Assert.Equal(record["id"]!.GetValue<string>(), body["recordId"]!.GetValue<string>()); break;
        }
        // The history keeps the request as sent (once the attempt has settled; the receiver may hear it first).
        await signals.NextAsync(c => c.WebhookId == webhookId && c.DeliveryId is not null && c.Status == DeliveryStatus.Succeeded);
        var history = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}/deliveries");
        var deliveryId = history["items"]![0]!["id"]!.GetValue<string>();
        var detail = await api.SendJsonAsync(HttpMethod.Get, $"/api/deliveries/{deliveryId}");
        Assert.Contains(detail["attempts"]!.AsArray(), a => a!["request"]!["body"]!.GetValue<string>() == request.Body);
    }

    [Fact]
    public async Task ATextTemplate_IsSentAsText()
    {
        var table = await TablesSeed.DealsAsync(factory.Services, "Text");
        var api = factory.CreateApiClient();
        var (_, secret) = await api.CreateWebhookAsync(table.Id, new { name = "text", url = _receiver.BaseUrl + "/text", events = new[] { "record.created" }, payloadTemplate = "New deal: {{ record.Deal }}", contentType = "text" });
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Initech" } });
        var request = (await _receiver.WaitForAsync(r => r.Any(q => q.Path == "/text"))).Single(q => q.Path == "/text");
        Assert.Equal("New deal: Initech", request.Body);
        Assert.StartsWith("text/plain", request.Header("Content-Type"));
        Assert.True(request.VerifiesWith(secret));
    }

    [Theory]
    [InlineData("{{ record.Deal ", "line 1, column")]
    [InlineData("{\"deal\": {{ record.Deal }}}", "invalid JSON")]
    [InlineData("{{ record.Deal | shout }}", "shout")]
    public async Task ATemplateThatFails_IsRefusedOnSave_WithWhereAndWhy(string template, string expected)
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var api = factory.CreateApiClient();
        var response = await api.PostAsJsonAsync($"/api/tables/{table.Id}/webhooks", new { name = "bad", url = _receiver.Url, events = new[] { "record.created" }, payloadTemplate = template });
        var problem = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("payloadTemplate", problem);
        Assert.Contains(expected, problem);
        Assert.Empty(await factory.Services.GetRequiredService<WebhookService>().ListAsync(table.Id));
    }

    [Fact]
    public async Task AnEmptyTemplate_GoesBackToTheStandardPayload()
    {
        var table = await TablesSeed.DealsAsync(factory.Services, "Back");
        var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "b", url = _receiver.Url, events = new[] { "record.created" }, payloadTemplate = PayloadPresets.Thin.Template });
        await api.SendJsonAsync(HttpMethod.Patch, $"/api/webhooks/{webhookId}", new { payloadTemplate = "" });
        var shown = await api.SendJsonAsync(HttpMethod.Get, $"/api/webhooks/{webhookId}");
        Assert.Null(shown["payloadTemplate"]);
    }
}
