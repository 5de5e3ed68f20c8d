using System.Security.Claims;
using Microsoft.Extensions.Options;
using Undb.Features.Accounts;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Incoming;

/// <param name="UpsertBy">The field (by name) whose value finds the record to update instead of creating one; null: always create.</param>
public sealed record IncomingMappingDto(string? RecordsPath, Dictionary<string, string?>? Fields, string? UpsertBy = null);

/// <summary>How a sender's signature is checked; the secret only in the answer that issued it and from <c>…/verification/secret</c>.</summary>
public sealed record VerificationDto(string Scheme, string SecretMasked, string? Header, string? Encoding, string? Prefix, string? Secret);

/// <summary>Asks for a scheme (<c>none</c> turns verification off); a secret omitted keeps the current one or is issued.</summary>
public sealed record VerificationRequest(string? Scheme, string? Secret, string? Header, string? Encoding, string? Prefix);

public sealed record IncomingStatsDto(long Received, long Accepted, long Rejected, DateTimeOffset? LastReceivedAt);

/// <summary>The <c>incoming</c> shape of DESIGN.md; <see cref="ApiKey"/> only in the create and regenerate answers.</summary>
public sealed record IncomingWebhookDto(
    string Id, string TableId, string Name, string Url, bool Enabled, string? ApiKey, string ApiKeyMasked,
    IncomingMappingDto Mapping, IncomingStatsDto Stats, DateTimeOffset CreatedAt, IReadOnlyList<MappingProblem> Problems, VerificationDto? Verification);

public sealed record IncomingWebhookRequest(string? Name, IncomingMappingDto? Mapping, bool? Enabled, VerificationRequest? Verification = null);

public sealed record IncomingRequestDto(
    string Id, DateTimeOffset ReceivedAt, int Status, long Size, IReadOnlyList<string> RecordIds, string? Error, string? Payload, bool Replay);

public sealed record ReplayDto(int Status, IReadOnlyList<string> RecordIds, string? Error);

/// <summary>REST endpoints for incoming webhooks (DESIGN.md, "REST API"); the key is never readable after it is issued.</summary>
public static class IncomingWebhooksApi
{
    public static IEndpointRouteBuilder MapIncomingWebhooksApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tables/{tableId}/incoming-webhooks", async (string tableId, HttpRequest http, IncomingWebhookService hooks, TableService tables, IOptions<IncomingWebhooksOptions> options, CancellationToken ct) =>
        {
            var table = await RequireTableAsync(tables, tableId, ct);
            var items = await hooks.ListAsync(tableId, ct);
            return TypedResults.Ok(new { items = items.Select(h => ToDto(h, table, BaseUrl(http, options.Value), null)).ToList() });
        }).WithTags("Incoming webhooks").RequirePermission(Permission.ReadWebhooks);

        app.MapPost("/api/tables/{tableId}/incoming-webhooks", async (string tableId, IncomingWebhookRequest body, HttpRequest http, IncomingWebhookService hooks, TableService tables, IOptions<IncomingWebhooksOptions> options, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var table = await RequireTableAsync(tables, tableId, ct);
            var mapping = ResolveMapping(body.Mapping, table);
            var created = await hooks.CreateAsync(tableId, body.Name, mapping, body.Enabled ?? true, user.UserId(), ct, ToInput(body.Verification));
            return TypedResults.Created($"/api/incoming-webhooks/{created.Webhook.Id}",
                ToDto(created.Webhook, table, BaseUrl(http, options.Value), created.ApiKey, created.VerificationSecret));
        }).WithTags("Incoming webhooks").RequirePermission(Permission.ManageWebhooks);

        var api = app.MapGroup("/api/incoming-webhooks").WithTags("Incoming webhooks");

        api.MapGet("/{id}", async (string id, HttpRequest http, IncomingWebhookService hooks, TableService tables, IOptions<IncomingWebhooksOptions> options, CancellationToken ct) =>
        {
            var (hook, table) = await RequireAsync(hooks, tables, id, ct);
            return TypedResults.Ok(ToDto(hook, table, BaseUrl(http, options.Value), null));
        }).RequirePermission(Permission.ReadWebhooks);

        api.MapPatch("/{id}", async (string id, IncomingWebhookRequest body, HttpRequest http, IncomingWebhookService hooks, TableService tables, IOptions<IncomingWebhooksOptions> options, CancellationToken ct) =>
        {
            var (_, table) = await RequireAsync(hooks, tables, id, ct);
            var mapping = body.Mapping is null ? null : ResolveMapping(body.Mapping, table);
            var updated = await hooks.ChangeAsync(id, body.Name, mapping, body.Enabled, ToInput(body.Verification), ct);
            return TypedResults.Ok(ToDto(updated.Webhook, table, BaseUrl(http, options.Value), null, updated.VerificationSecret));
        }).RequirePermission(Permission.ManageWebhooks);

        // The verification secret in full, like an outbound webhook's signing secret: for admins only.
        api.MapGet("/{id}/verification/secret", async (string id, IncomingWebhookService hooks, CancellationToken ct) =>
            TypedResults.Ok(new { secret = await hooks.GetVerificationSecretAsync(id, ct) }))
            .RequirePermission(Permission.ManageWebhooks);

        api.MapDelete("/{id}", async (string id, IncomingWebhookService hooks, CancellationToken ct) =>
        {
            await hooks.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).RequirePermission(Permission.ManageWebhooks);

        api.MapPost("/{id}/regenerate-key", async (string id, HttpRequest http, IncomingWebhookService hooks, TableService tables, IOptions<IncomingWebhooksOptions> options, CancellationToken ct) =>
        {
            var (_, table) = await RequireAsync(hooks, tables, id, ct);
            var regenerated = await hooks.RegenerateKeyAsync(id, ct);
            return TypedResults.Ok(ToDto(regenerated.Webhook, table, BaseUrl(http, options.Value), regenerated.ApiKey));
        }).RequirePermission(Permission.ManageWebhooks);

        api.MapGet("/{id}/requests", async (string id, int? limit, IncomingWebhookService hooks, CancellationToken ct) =>
        {
            var requests = await hooks.ListRequestsAsync(id, limit ?? 100, ct);
            return TypedResults.Ok(new { items = requests.Select(ToDto).ToList(), total = requests.Count });
        }).RequirePermission(Permission.ReadWebhooks);

        api.MapPost("/{id}/requests/{requestId}/replay", async (string id, string requestId, IncomingWebhookService hooks, IngestService ingest, ClaimsPrincipal user, CancellationToken ct) =>
        {
            if (await hooks.GetRequestAsync(requestId, ct) is not { } request || request.WebhookId != id)
            {
                throw new NotFoundException($"Request '{requestId}' is not in the log of incoming webhook '{id}'.");
            }
            var outcome = await ingest.ReplayAsync(requestId, user.UserId(), ct);
            return TypedResults.Ok(new ReplayDto(outcome.Status, outcome.RecordIds, outcome.Status < 300 ? null : outcome.Detail));
        }).RequirePermission(Permission.ManageWebhooks);

        return app;
    }

    /// <summary>The public base of hook URLs: the configured one, else the host the caller used.</summary>
    public static string BaseUrl(HttpRequest http, IncomingWebhooksOptions options) =>
        !string.IsNullOrWhiteSpace(options.PublicBaseUrl) ? options.PublicBaseUrl.TrimEnd('/') : $"{http.Scheme}://{http.Host}{http.PathBase}";

    public static string HookUrl(string baseUrl, string id) => $"{baseUrl.TrimEnd('/')}/hooks/{id}";

    private static IncomingMapping ResolveMapping(IncomingMappingDto? dto, TableSnapshot table)
    {
        var errors = new Dictionary<string, string[]>();
        var mapping = MappingEngine.Resolve(dto?.RecordsPath, dto?.Fields, table, errors, dto?.UpsertBy);
        if (errors.Count > 0)
        {
            throw new BadRequestException(errors.Count == 1 ? errors.First().Value[0] : "The mapping is not valid.", errors);
        }
        return mapping;
    }

    private static VerificationInput? ToInput(VerificationRequest? v) => v is null ? null : new(v.Scheme, v.Secret, v.Header, v.Encoding, v.Prefix);

    private static IncomingWebhookDto ToDto(IncomingWebhookView h, TableSnapshot table, string baseUrl, string? apiKey, string? verificationSecret = null) => new(
        h.Id, h.TableId, h.Name, HookUrl(baseUrl, h.Id), h.Enabled, apiKey, h.ApiKeyMasked,
        new IncomingMappingDto(h.Mapping.RecordsPath, MappingEngine.FieldsByName(h.Mapping, table).ToDictionary(p => p.Key, p => (string?)p.Value),
            h.Mapping.UpsertBy is { } upsertBy ? table.FieldById(upsertBy)?.Name : null),
        new IncomingStatsDto(h.Stats.Received, h.Stats.Accepted, h.Stats.Rejected, h.Stats.LastReceivedAt), h.CreatedAt,
        MappingEngine.Problems(h.Mapping, table),
        h.Verification is { } v ? new VerificationDto(v.Scheme, v.SecretMasked, v.Header, v.Encoding, v.Prefix, verificationSecret) : null);

    private static IncomingRequestDto ToDto(IncomingRequestView r) =>
        new(r.Id, r.ReceivedAt, r.Status, r.Size, r.RecordIds, r.Error, r.Payload, r.Replay);

    private static async Task<TableSnapshot> RequireTableAsync(TableService tables, string tableId, CancellationToken ct) =>
        await tables.GetAsync(tableId, ct) ?? throw new NotFoundException($"Table '{tableId}' does not exist.");

    private static async Task<(IncomingWebhookView, TableSnapshot)> RequireAsync(IncomingWebhookService hooks, TableService tables, string id, CancellationToken ct)
    {
        var hook = await hooks.GetAsync(id, ct) ?? throw new NotFoundException($"Incoming webhook '{id}' does not exist.");
        return (hook, await RequireTableAsync(tables, hook.TableId, ct));
    }
}
