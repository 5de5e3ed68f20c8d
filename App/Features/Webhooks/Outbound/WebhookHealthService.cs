using Microsoft.EntityFrameworkCore;
using Undb.Data;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>How a webhook has been doing lately, for the webhooks panel.</summary>
/// <param name="LastStatus">The newest delivery's status (API spelling), null when nothing was ever sent.</param>
/// <param name="SuccessRate">Share of the HTTP attempts in the window that succeeded (0..1), test sends left out; null when there were none.</param>
public sealed record WebhookHealth(
    string WebhookId,
    string? LastStatus,
    DateTimeOffset? LastDeliveryAt,
    int? LastStatusCode,
    double? SuccessRate,
    int AttemptsInWindow);

/// <summary>Read-side extras the UI needs beyond <see cref="WebhookService"/>: health, replay counts and duplicating.</summary>
public sealed class WebhookHealthService(IDbContextFactory<AppDbContext> dbFactory, WebhookService webhooks, TimeProvider time)
{
    /// <summary>The window the success rate covers.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    public async Task<IReadOnlyDictionary<string, WebhookHealth>> ForWebhooksAsync(IReadOnlyCollection<string> webhookIds, CancellationToken ct = default)
    {
        var result = new Dictionary<string, WebhookHealth>();
        if (webhookIds.Count == 0)
        {
            return result;
        }
        var since = time.GetUtcNow() - Window;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rates = await db.DeliveryAttempts.AsNoTracking()
            // Test sends are checks read in the dialog, not traffic: they leave the rate alone, as they leave the failure streak.
            .Where(a => webhookIds.Contains(a.WebhookId) && a.StartedAt >= since && a.Trigger != AttemptTrigger.Test)
            .GroupBy(a => a.WebhookId)
            .Select(g => new { WebhookId = g.Key, Total = g.Count(), Succeeded = g.Count(a => a.Succeeded) })
            .ToDictionaryAsync(r => r.WebhookId, ct);
        foreach (var id in webhookIds)
        {
            // Ids are time-ordered, so the greatest id is the newest delivery; a table has few webhooks, so one query each is fine.
            var last = await db.Deliveries.AsNoTracking().Where(d => d.WebhookId == id).OrderByDescending(d => d.Id)
                .Select(d => new { d.Status, d.UpdatedAt, d.LastStatusCode }).FirstOrDefaultAsync(ct);
            var rate = rates.GetValueOrDefault(id);
            result[id] = new WebhookHealth(
                id,
                last?.Status.ToApi(),
                last?.UpdatedAt,
                last?.LastStatusCode,
                rate is { Total: > 0 } ? (double)rate.Succeeded / rate.Total : null,
                rate?.Total ?? 0);
        }
        return result;
    }

    /// <summary>The duration of each delivery's latest attempt, for the history grid (deliveries never attempted are absent).</summary>
    public async Task<IReadOnlyDictionary<string, double>> LastDurationsAsync(IReadOnlyCollection<string> deliveryIds, CancellationToken ct = default)
    {
        if (deliveryIds.Count == 0)
        {
            return new Dictionary<string, double>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var attempts = await db.DeliveryAttempts.AsNoTracking().Where(a => deliveryIds.Contains(a.DeliveryId))
            .Select(a => new { a.DeliveryId, a.Id, a.DurationMs }).ToListAsync(ct);
        // Attempt ids are time-ordered too: the greatest is the latest attempt.
        return attempts.GroupBy(a => a.DeliveryId).ToDictionary(g => g.Key, g => g.MaxBy(a => a.Id, StringComparer.Ordinal)!.DurationMs);
    }

    /// <summary>How many deliveries <see cref="WebhookService.ReplayAsync"/> would queue again, so the UI can say so before it does.</summary>
    public async Task<int> CountReplayableAsync(string webhookId, DateTimeOffset since, DeliveryStatus status = DeliveryStatus.Failed, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Same predicate as WebhookService.ReplayAsync: test sends are never replayed.
        return await db.Deliveries.CountAsync(d => d.WebhookId == webhookId && d.Status == status && d.CreatedAt >= since && d.EventName != WebhookEvents.Test, ct);
    }

    /// <summary>
    /// A copy of a webhook with a fresh secret. The copy starts paused: an identical enabled twin would send every
    /// event twice to the same receiver before the user has changed anything.
    /// </summary>
    public async Task<WebhookWithSecret> DuplicateAsync(string webhookId, string? actorId, CancellationToken ct = default)
    {
        var source = await webhooks.GetAsync(webhookId, ct);
        var name = source.Name + " (copy)";
        if (name.Length > WebhookRules.MaxNameLength)
        {
            name = name[..WebhookRules.MaxNameLength];
        }
        // The DTO's header values are masked; the copy needs the real ones.
        var headers = (await webhooks.GetHeadersAsync(webhookId, ct)).Headers;
        return await webhooks.CreateAsync(source.TableId,
            new WebhookRequest(name, source.Url, source.Method, source.Events, headers, Enabled: false, source.StoredCondition ?? source.Condition, source.ExcludedTableIds, source.Ordered, source.MaxPerSecond), actorId, ct);
    }
}
