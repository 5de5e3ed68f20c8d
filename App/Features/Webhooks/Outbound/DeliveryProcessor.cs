using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// One unit of delivery work: claim a delivery with a lease (a provider-neutral conditional UPDATE, so two workers
/// or two instances never both win), send it, store the attempt, and settle it: succeeded, retried later per the
/// schedule, or failed. Also tracks the webhook's health and disables it on 410 or after failing too long.
/// </summary>
public sealed class DeliveryProcessor(
    IDbContextFactory<AppDbContext> dbFactory,
    DeliverySender sender,
    RetryPolicy retry,
    DeliveryNotifier notifier,
    TimeProvider time,
    IOptionsMonitor<WebhooksOptions> options,
    ILogger<DeliveryProcessor> logger)
{
    /// <summary>The scheduled path: sends the delivery if it is due (or its lease expired) and nobody else holds it.</summary>
    public async Task ProcessAsync(string deliveryId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var token = Guid.NewGuid().ToString("N");
        var leaseUntil = now + options.CurrentValue.LeaseDuration;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var claimed = await db.Deliveries
            .Where(d => d.Id == deliveryId
                && ((d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
                    || (d.Status == DeliveryStatus.InFlight && d.LeaseExpiresAt <= now)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.InFlight)
                .SetProperty(d => d.LeaseExpiresAt, leaseUntil)
                .SetProperty(d => d.LeaseToken, token)
                .SetProperty(d => d.UpdatedAt, now), ct);
        if (claimed == 0)
        {
            return;
        }

        var delivery = await db.Deliveries.FirstAsync(d => d.Id == deliveryId, ct);
        var webhook = await db.Webhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == delivery.WebhookId, ct);
        if (webhook is not { Enabled: true })
        {
            // A disabled webhook sends nothing; its deliveries can be replayed once it is enabled again.
            Settle(delivery, DeliveryStatus.Cancelled, now, "Not sent: the webhook is disabled.");
            await db.SaveChangesAsync(ct);
            notifier.Publish(new DeliveryChange(delivery.WebhookId, delivery.Id, delivery.Status));
            return;
        }

        SendResult result;
        try
        {
            result = await sender.SendAsync(webhook, delivery, AttemptTrigger.Scheduled, delivery.AttemptCount + 1, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: hand the delivery back now rather than waiting for the lease to expire.
            await db.Deliveries.Where(d => d.Id == deliveryId && d.LeaseToken == token)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Pending).SetProperty(d => d.LeaseToken, (string?)null), CancellationToken.None);
            throw;
        }
        await RecordAsync(db, webhook, delivery, result, token, previousStatus: DeliveryStatus.Pending, CancellationToken.None);
    }

    /// <summary>
    /// The manual and test path: sends now whatever the status, unless another send holds it right now. A failed
    /// manual attempt does not start a retry schedule; a pending delivery keeps its own.
    /// </summary>
    public async Task<DeliveryAttemptEntity> SendNowAsync(string deliveryId, AttemptTrigger trigger, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var token = Guid.NewGuid().ToString("N");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var current = await db.Deliveries.AsNoTracking().Where(d => d.Id == deliveryId)
            .Select(d => new { d.Status, d.LeaseExpiresAt }).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException($"Delivery '{deliveryId}' does not exist.");
        var claimed = await db.Deliveries
            .Where(d => d.Id == deliveryId && d.Status == current.Status && (d.Status != DeliveryStatus.InFlight || d.LeaseExpiresAt <= now))
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.InFlight)
                .SetProperty(d => d.LeaseExpiresAt, now + options.CurrentValue.LeaseDuration)
                .SetProperty(d => d.LeaseToken, token), ct);
        if (claimed == 0)
        {
            throw new BadRequestException("This delivery is being sent right now; try again in a moment.");
        }
        var delivery = await db.Deliveries.FirstAsync(d => d.Id == deliveryId, ct);
        var webhook = await db.Webhooks.AsNoTracking().FirstAsync(w => w.Id == delivery.WebhookId, ct);
        var previous = current.Status == DeliveryStatus.InFlight ? DeliveryStatus.Pending : current.Status;
        // Once claimed, finish even if the caller goes away (the attempt timeout bounds it); an abandoned claim
        // would otherwise sit until its lease expires and then be sent again by the sweeper.
        var result = await sender.SendAsync(webhook, delivery, trigger, delivery.AttemptCount + 1, CancellationToken.None);
        await RecordAsync(db, webhook, delivery, result, token, previous, CancellationToken.None);
        return result.Attempt;
    }

    private async Task RecordAsync(AppDbContext db, WebhookEntity webhook, DeliveryEntity delivery, SendResult result, string token, DeliveryStatus previousStatus, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var attempt = result.Attempt;
        db.DeliveryAttempts.Add(attempt);
        var stillOurs = await db.Deliveries.Where(d => d.Id == delivery.Id).Select(d => d.LeaseToken).FirstOrDefaultAsync(ct) == token;
        var gone = attempt.ResponseStatus == StatusCodes.Status410Gone;
        if (stillOurs)
        {
            delivery.AttemptCount++;
            delivery.LastStatusCode = attempt.ResponseStatus;
            delivery.LastError = attempt.Error;
            if (attempt.Succeeded)
            {
                Settle(delivery, DeliveryStatus.Succeeded, now, null);
            }
            else if (gone)
            {
                Settle(delivery, DeliveryStatus.Failed, now, attempt.Error);
            }
            else if (attempt.Trigger != AttemptTrigger.Scheduled)
            {
                Settle(delivery, previousStatus == DeliveryStatus.Pending ? DeliveryStatus.Pending : DeliveryStatus.Failed, now, attempt.Error);
            }
            else if (retry.NextAttemptAt(delivery.RetryStep, now, result.RetryAfter) is { } next)
            {
                Settle(delivery, DeliveryStatus.Pending, now, attempt.Error);
                delivery.RetryStep++;
                delivery.NextAttemptAt = next;
            }
            else
            {
                Settle(delivery, DeliveryStatus.Failed, now, attempt.Error);
            }
        }
        await db.SaveChangesAsync(ct);
        await UpdateHealthAsync(db, webhook.Id, attempt, gone, now, ct);
        // Published last, so a subscriber that reacts sees the delivery and the webhook's health both settled.
        notifier.Publish(new DeliveryChange(webhook.Id, delivery.Id, stillOurs ? delivery.Status : null));
    }

    private static void Settle(DeliveryEntity delivery, DeliveryStatus status, DateTimeOffset now, string? error)
    {
        delivery.Status = status;
        delivery.LeaseExpiresAt = null;
        delivery.LeaseToken = null;
        delivery.UpdatedAt = now;
        delivery.LastError = error;
        delivery.CompletedAt = status is DeliveryStatus.Pending or DeliveryStatus.InFlight ? null : now;
    }

    /// <summary>Health counters are updated in SQL, not from a loaded row, so concurrent sends to one webhook do not lose counts.</summary>
    private async Task UpdateHealthAsync(AppDbContext db, string webhookId, DeliveryAttemptEntity attempt, bool gone, DateTimeOffset now, CancellationToken ct)
    {
        var webhooks = db.Webhooks.Where(w => w.Id == webhookId);
        if (attempt.Succeeded)
        {
            await webhooks.ExecuteUpdateAsync(s => s
                .SetProperty(w => w.LastSuccessAt, now)
                .SetProperty(w => w.FailingSince, (DateTimeOffset?)null)
                .SetProperty(w => w.ConsecutiveFailures, 0), ct);
            return;
        }
        await webhooks.ExecuteUpdateAsync(s => s
            .SetProperty(w => w.LastFailureAt, now)
            .SetProperty(w => w.FailingSince, w => w.FailingSince ?? now)
            .SetProperty(w => w.ConsecutiveFailures, w => w.ConsecutiveFailures + 1), ct);

        string? reason = null;
        int disabled;
        if (gone)
        {
            reason = $"Disabled on {now:yyyy-MM-dd HH:mm} UTC: the endpoint answered 410 Gone.";
            disabled = await Disable(webhooks.Where(w => w.Enabled), reason, now, ct);
        }
        else
        {
            var threshold = now - options.CurrentValue.AutoDisableAfter;
            reason = $"Disabled on {now:yyyy-MM-dd HH:mm} UTC: every delivery failed for {options.CurrentValue.AutoDisableAfter.TotalDays:0.#} days. Last error: {attempt.Error}";
            disabled = await Disable(webhooks.Where(w => w.Enabled && w.FailingSince != null && w.FailingSince <= threshold), reason, now, ct);
        }
        if (disabled > 0)
        {
            logger.LogWarning("Webhook {WebhookId} was disabled: {Reason}", webhookId, reason);
            notifier.Publish(new DeliveryChange(webhookId, null, null, WebhookChanged: true));
        }
    }

    private static Task<int> Disable(IQueryable<WebhookEntity> query, string reason, DateTimeOffset now, CancellationToken ct) =>
        query.ExecuteUpdateAsync(s => s
            .SetProperty(w => w.Enabled, false)
            .SetProperty(w => w.DisabledReason, reason.Length > 1000 ? reason[..1000] : reason)
            .SetProperty(w => w.DisabledAt, now)
            .SetProperty(w => w.UpdatedAt, now), ct);
}
