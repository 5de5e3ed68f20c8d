using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Accounts;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>The outcome of a test send from the edit dialog; nothing of a draft test is stored.</summary>
public sealed record DraftTestResult(AttemptDto Attempt, bool SignedWithTemporarySecret);

/// <summary>
/// Sends the sample <c>webhook.test</c> event with settings that are not saved yet (a new webhook, or unsaved edits),
/// through the engine's own sender so the request is exactly what a saved webhook would send. An existing webhook
/// signs with its real secrets; a new one with a throwaway secret, since its secret is only made when it is saved.
/// </summary>
public sealed class WebhookDraftTester(
    IDbContextFactory<AppDbContext> dbFactory,
    TableService tables,
    UserDirectory users,
    WebhookSecrets secrets,
    WebhookHeaderValues headerValues,
    DeliverySender sender,
    TimeProvider time,
    IOptionsMonitor<WebhooksOptions> options)
{
    public async Task<DraftTestResult> SendAsync(string tableId, string? webhookId, WebhookRequest draft, string? actorId, CancellationToken ct = default)
    {
        var table = await tables.GetAsync(tableId, ct) ?? throw new NotFoundException($"Table '{tableId}' does not exist.");
        var temporary = webhookId is null;
        WebhookEntity? saved = null;
        if (!temporary)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            saved = await db.Webhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == webhookId, ct)
                ?? throw new NotFoundException($"Webhook '{webhookId}' does not exist.");
        }
        var errors = new Dictionary<string, string[]>();
        var url = WebhookRules.CheckUrl(draft.Url, options.CurrentValue.AllowPrivateNetworks, errors);
        var method = WebhookRules.CheckMethod(draft.Method, errors);
        // Values left masked in the dialog are the saved ones.
        var savedHeaders = saved is not null && draft.Headers?.Values.Any(v => v?.Trim() == WebhookHeaderValues.Mask) == true
            ? RevealOrReport(saved.Headers, errors)
            : new Dictionary<string, string>();
        var headers = WebhookRules.CheckHeaders(WebhookHeaderValues.KeepMasked(draft.Headers ?? new Dictionary<string, string>(), savedHeaders, errors), errors);
        var contentType = WebhookRules.CheckContentType(draft.ContentType, errors) ?? Templates.PayloadContentTypes.Json;
        var template = WebhookRules.CheckTemplate(draft.PayloadTemplate, contentType, [WebhookEvents.Test], errors);
        WebhookRules.ThrowIfAny(errors, "Fix the URL, method, headers or template before sending a test.");

        var now = time.GetUtcNow();
        var webhook = new WebhookEntity
        {
            Id = saved?.Id ?? Ids.New(WebhookIds.Webhook, now),
            TableId = tableId,
            Name = draft.Name ?? "",
            Url = url,
            Method = method,
            Headers = headerValues.Protect(headers),
            SecretProtected = saved?.SecretProtected ?? secrets.Protect(WebhookSigner.NewSecret()),
            PreviousSecretProtected = saved?.PreviousSecretProtected,
            PreviousSecretExpiresAt = saved?.PreviousSecretExpiresAt,
            PayloadTemplate = template,
            ContentType = contentType,
        };
        var eventId = Ids.New(Ids.Event, now);
        var delivery = new DeliveryEntity
        {
            Id = Ids.New(WebhookIds.Delivery, now),
            WebhookId = webhook.Id,
            TableId = tableId,
            EventId = eventId,
            EventName = WebhookEvents.Test,
            Payload = PayloadBuilder.Serialize(PayloadBuilder.ForTest(eventId, table, await users.GetAsync(actorId, ct), now)),
            CreatedAt = now,
            UpdatedAt = now,
        };
        var result = await sender.SendAsync(webhook, delivery, AttemptTrigger.Test, 1, ct);
        return new DraftTestResult(result.Attempt.ToDto(), temporary);
    }

    private Dictionary<string, string> RevealOrReport(IReadOnlyDictionary<string, string> stored, Dictionary<string, string[]> errors)
    {
        try
        {
            return headerValues.Reveal(stored);
        }
        catch (HeaderValuesUnreadableException ex)
        {
            errors["headers"] = [ex.Message];
            return [];
        }
    }
}
