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
    DeliveryStore store,
    DeliveryNotifier notifier,
    DataWriter writer,
    WebhookVersions versions,
    WebhookPacer pacer,
    TimeProvider time,
    IOptionsMonitor<WebhooksOptions> options)
{
    /// <summary>
    /// The scheduled path: sends the delivery if it is due (or its lease expired) and nobody else holds it, or if it
    /// comes claimed by the transaction that created it. <paramref name="sent"/> is called once the request is over
    /// (or was not made), before the result is recorded.
    /// </summary>
    public async Task ProcessAsync(DeliveryWork work, Action sent, CancellationToken ct)
    {
        var claimed = work.Claim is { } claim
            ? await UsePreClaimAsync(claim, ct)
            : await store.ClaimAsync(work.DeliveryId).WaitAsync(ct);
        if (claimed is null)
        {
            return;
        }
        var (delivery, webhook) = claimed;
        var token = delivery.LeaseToken!;
        if (webhook is not { Enabled: true })
        {
            // Paused or disabled after this delivery was written or scheduled: it is held like the ones written while
            // the webhook was off, and sent in order with them when it is resumed. (Deleted: there is no row left to hold.)
            await writer.WriteAsync(WriteKind.Bookkeeping, session =>
            {
                session.Db.Attach(delivery);
                DeliveryStore.Settle(delivery, DeliveryStatus.Held, time.GetUtcNow(), delivery.LastError);
                delivery.CompletedAt = null;
                return Task.CompletedTask;
            }, ct);
            notifier.Publish(new DeliveryChange(delivery.WebhookId, delivery.Id, delivery.Status));
            return;
        }

        // maxPerSecond and a receiver's Retry-After. A long wait is not spent holding a lane (nor may it eat into the
        // lease an attempt needs): the delivery is handed back, due again then.
        var attemptTimeout = options.CurrentValue.AttemptTimeout;
        var room = delivery.LeaseExpiresAt!.Value - time.GetUtcNow() - attemptTimeout;
        var longestWait = room < attemptTimeout ? (room > TimeSpan.Zero ? room : TimeSpan.Zero) : attemptTimeout;
        if (await pacer.WaitTurnAsync(webhook, longestWait, ct) is { } turn)
        {
            await store.RescheduleAsync(delivery, token, turn);
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
            await store.ReleaseAsync([delivery]);
            throw;
        }
        sent();
        if (result.Attempt.ResponseStatus == StatusCodes.Status429TooManyRequests && result.RetryAfter is { } retryAfter)
        {
            pacer.SlowDown(webhook.Id, time.GetUtcNow() + retryAfter);
        }
        await store.SettleAsync(new SettleRequest(webhook, delivery, result, token, DeliveryStatus.Pending));
    }

    /// <summary>
    /// A pre-claimed delivery is sent under its claim while the lease outlasts an attempt (otherwise it waits for the
    /// lease to run out and the sweeper); its webhook is read again if it changed since, or was read too long ago.
    /// </summary>
    private async Task<ClaimedDelivery?> UsePreClaimAsync(PreClaim claim, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var delivery = claim.Delivery;
        if (delivery.LeaseExpiresAt - now <= options.CurrentValue.AttemptTimeout)
        {
            return null;
        }
        if (!versions.ChangedSince(claim.Webhook.Id, claim.ReadAt) && now - delivery.CreatedAt < WebhookVersions.MaxAge)
        {
            return new ClaimedDelivery(delivery, claim.Webhook);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Deleting the webhook deleted the delivery too: nothing to send.
        return await db.Webhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == claim.Webhook.Id, ct) is { } webhook
            ? new ClaimedDelivery(delivery, webhook)
            : null;
    }

    /// <summary>
    /// The manual and test path: sends now whatever the status, unless another send holds it right now. A failed
    /// manual attempt does not start a retry schedule; a pending delivery keeps its own.
    /// </summary>
    public async Task<DeliveryAttemptEntity> SendNowAsync(string deliveryId, AttemptTrigger trigger, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var token = store.NewLeaseToken();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var current = await db.Deliveries.AsNoTracking().Where(d => d.Id == deliveryId)
            .Select(d => new { d.Status, d.LeaseExpiresAt }).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException($"Delivery '{deliveryId}' does not exist.");
        var claimed = await writer.WriteAsync(session => session.Db.Deliveries
            .Where(d => d.Id == deliveryId && d.Status == current.Status && (d.Status != DeliveryStatus.InFlight || d.LeaseExpiresAt <= now))
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.InFlight)
                .SetProperty(d => d.LeaseExpiresAt, now + options.CurrentValue.LeaseDuration)
                .SetProperty(d => d.LeaseToken, token), ct), ct);
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
        db.Entry(delivery).State = EntityState.Detached;
        await store.SettleAsync(new SettleRequest(webhook, delivery, result, token, previous));
        return result.Attempt;
    }
}
