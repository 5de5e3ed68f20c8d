using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Undb.Features.Accounts;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>REST endpoints for outbound webhooks and their deliveries (DESIGN.md, "REST API").</summary>
public static class OutboundApi
{
    public static IEndpointRouteBuilder MapOutboundWebhooksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Outbound webhooks");

        api.MapGet("/tables/{tableId}/webhooks", async (string tableId, WebhookService webhooks, CancellationToken ct) =>
            TypedResults.Ok(new { items = await webhooks.ListAsync(tableId, ct) })).RequirePermission(Permission.ReadWebhooks);

        api.MapPost("/tables/{tableId}/webhooks", async (string tableId, WebhookRequest body, WebhookService webhooks, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var created = await webhooks.CreateAsync(tableId, body, user.UserId(), ct);
            return TypedResults.Created($"/api/webhooks/{created.Webhook.Id}", created.Webhook);
        }).RequirePermission(Permission.ManageWebhooks);

        // The event catalog: every event with its JSON Schema and an example ("what will my receiver get?").
        api.MapGet("/webhook-events", () => TypedResults.Ok(new WebhookEventList(WebhookEventCatalog.All))).RequirePermission(Permission.ReadWebhooks);

        // Workspace webhooks: tableId null covers every table, including later ones, except excludedTableIds.
        api.MapGet("/webhooks", async (WebhookService webhooks, CancellationToken ct) =>
            TypedResults.Ok(new { items = await webhooks.ListWorkspaceAsync(ct) })).RequirePermission(Permission.ReadWebhooks);

        api.MapPost("/webhooks", async (WebhookRequest body, WebhookService webhooks, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var created = await webhooks.CreateAsync(string.IsNullOrWhiteSpace(body.TableId) ? null : body.TableId, body, user.UserId(), ct);
            return TypedResults.Created($"/api/webhooks/{created.Webhook.Id}", created.Webhook);
        }).RequirePermission(Permission.ManageWebhooks);

        api.MapGet("/webhooks/{id}", async (string id, WebhookService webhooks, CancellationToken ct) =>
            TypedResults.Ok(await webhooks.GetAsync(id, ct))).RequirePermission(Permission.ReadWebhooks);

        // PATCH reads the raw object so "condition": null (clear it) differs from leaving condition out; it is read with
        // the API's options (so the request type is checked as on every other route) and declares that shape.
        api.MapPatch("/webhooks/{id}", async (string id, JsonObject body, WebhookService webhooks, IOptions<JsonOptions> json, CancellationToken ct) =>
        {
            var request = body.Deserialize<WebhookRequest>(json.Value.SerializerOptions) ?? new WebhookRequest(null, null, null, null, null, null, null);
            var setCondition = body.Any(p => string.Equals(p.Key, "condition", StringComparison.OrdinalIgnoreCase));
            return TypedResults.Ok(await webhooks.UpdateAsync(id, request, setCondition, ct));
        }).Accepts<WebhookRequest>("application/json").RequirePermission(Permission.ManageWebhooks);

        api.MapDelete("/webhooks/{id}", async (string id, WebhookService webhooks, CancellationToken ct) =>
        {
            await webhooks.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).RequirePermission(Permission.ManageWebhooks);

        api.MapGet("/webhooks/{id}/secret", async (string id, WebhookService webhooks, CancellationToken ct) =>
            TypedResults.Ok(await webhooks.GetSecretAsync(id, ct))).RequirePermission(Permission.ManageWebhooks);

        api.MapGet("/webhooks/{id}/headers", async (string id, WebhookService webhooks, CancellationToken ct) =>
            TypedResults.Ok(await webhooks.GetHeadersAsync(id, ct))).RequirePermission(Permission.ManageWebhooks);

        api.MapPost("/webhooks/{id}/rotate-secret", async (string id, WebhookService webhooks, CancellationToken ct) =>
            TypedResults.Ok(await webhooks.RotateSecretAsync(id, ct))).RequirePermission(Permission.ManageWebhooks);

        api.MapPost("/webhooks/{id}/test", async (string id, WebhookService webhooks, ClaimsPrincipal user, CancellationToken ct) =>
            TypedResults.Ok((await webhooks.SendTestAsync(id, user.UserId(), ct)).ToDto())).RequirePermission(Permission.ManageWebhooks);

        api.MapGet("/webhooks/{id}/deliveries", async (
            string id, string? status, string? @event, string? recordId, DateTimeOffset? since, DateTimeOffset? until, int? offset, int? limit,
            DeliveryQueryService deliveries, CancellationToken ct) =>
        {
            var filter = new DeliveryFilter(OutboundMapping.ParseStatus(status, "status"), @event, recordId, since?.ToUniversalTime(), until?.ToUniversalTime(), offset ?? 0, limit ?? 50);
            return TypedResults.Ok(await deliveries.ListAsync(id, filter, ct));
        }).RequirePermission(Permission.ReadWebhooks);

        // {"held":"send"} (or {}) sends what was held; {"held":"discard"} cancels it.
        api.MapPost("/webhooks/{id}/resume", async (string id, ResumeRequest body, WebhookService webhooks, CancellationToken ct) =>
        {
            var action = OutboundMapping.ParseHeldAction(body.Held);
            var count = await webhooks.ResumeAsync(id, action, ct);
            return TypedResults.Ok(new ResumeResult(action == HeldAction.Send ? "send" : "discard", count));
        }).RequirePermission(Permission.ManageWebhooks);

        api.MapPost("/webhooks/{id}/replay", async (string id, ReplayRequest body, WebhookService webhooks, CancellationToken ct) =>
        {
            var count = await webhooks.ReplayAsync(id, body.Since?.ToUniversalTime(), OutboundMapping.ParseStatus(body.Status, "status"), ct);
            return TypedResults.Ok(new ReplayResult(count));
        }).RequirePermission(Permission.ManageWebhooks);

        api.MapGet("/deliveries/{id}", async (string id, DeliveryQueryService deliveries, CancellationToken ct) =>
            TypedResults.Ok(await deliveries.GetAsync(id, ct))).RequirePermission(Permission.ReadWebhooks);

        api.MapPost("/deliveries/{id}/redeliver", async (string id, WebhookService webhooks, CancellationToken ct) =>
            TypedResults.Ok((await webhooks.RedeliverAsync(id, ct)).ToDto())).RequirePermission(Permission.ManageWebhooks);

        return app;
    }
}
