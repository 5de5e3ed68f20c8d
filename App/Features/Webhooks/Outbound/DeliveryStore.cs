using System.Data.Common;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Undb.Data;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>A finished send to record: the attempt, how to settle the delivery, and the claim it was made under.</summary>
public sealed record SettleRequest(WebhookEntity Webhook, DeliveryEntity Delivery, SendResult Result, string Token, DeliveryStatus PreviousStatus);

/// <summary>A delivery claimed under its lease token, with its webhook (null if the webhook was deleted meanwhile).</summary>
public sealed record ClaimedDelivery(DeliveryEntity Delivery, WebhookEntity? Webhook);

/// <summary>
/// The database side of delivery: claiming due deliveries with a lease and settling them after a send, with the
/// webhook's health. Both go through a <see cref="WriteBatcher{TIn,TOut}"/>, so many concurrent sends share one
/// write transaction (group commit) instead of committing one by one.
/// </summary>
public sealed class DeliveryStore : IDisposable
{
    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly DataWriter _writer;
    private readonly RetryPolicy _retry;
    private readonly DeliveryNotifier _notifier;
    private readonly DeliveryQueue _queue;
    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<WebhooksOptions> _options;
    private readonly ILogger<DeliveryStore> _logger;
    private readonly WriteBatcher<string, ClaimedDelivery?> _claims;
    private readonly WriteBatcher<SettleRequest, bool> _settlements;

    private readonly Alerts.WebhookAlerts _alerts;

    public DeliveryStore(
        IDbContextFactory<AppDbContext> dbFactory,
        DataWriter writer,
        RetryPolicy retry,
        DeliveryNotifier notifier,
        DeliveryQueue queue,
        TimeProvider time,
        IOptionsMonitor<WebhooksOptions> options,
        ILogger<DeliveryStore> logger,
        Alerts.WebhookAlerts alerts)
    {
        _alerts = alerts;
        _dbFactory = dbFactory;
        _writer = writer;
        _retry = retry;
        _notifier = notifier;
        _queue = queue;
        _time = time;
        _options = options;
        _logger = logger;
        _claims = new WriteBatcher<string, ClaimedDelivery?>(ClaimBatchAsync, pause: writer.GroupCommits);
        _settlements = new WriteBatcher<SettleRequest, bool>(SettleBatchAsync, pause: writer.GroupCommits);
    }

    /// <summary>Claims the delivery if it is due (or its lease expired) and nobody else holds it; null otherwise.</summary>
    public Task<ClaimedDelivery?> ClaimAsync(string deliveryId) => _claims.SubmitAsync(deliveryId);

    /// <summary>
    /// Stores the attempt, settles the delivery and updates the webhook's health; false if the claim was lost meanwhile,
    /// or if the delivery is gone: its webhook was deleted while it was sent, and the attempt has no row to go with.
    /// </summary>
    public async Task<bool> SettleAsync(SettleRequest request)
    {
        try
        {
            return await _settlements.SubmitAsync(request);
        }
        catch (Exception ex) when (ex is DbException or DbUpdateException)
        {
            if (await DeliveryGoneAsync(request.Delivery.Id))
            {
                return false;
            }
            throw;
        }
    }

    /// <summary>Whether the delivery is known to be deleted; false when that cannot be told (the failure stands).</summary>
    private async Task<bool> DeliveryGoneAsync(string id)
    {
        try
        {
            await using var db = await _dbFactory.CreateDbContextAsync();
            return !await db.Deliveries.AnyAsync(d => d.Id == id);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A new lease token, under this instance's name (see <see cref="WebhooksOptions.InstanceId"/>).</summary>
    public string NewLeaseToken() => $"{_options.CurrentValue.EffectiveInstanceId}:{Guid.NewGuid():N}";

    /// <summary>
    /// Hands back claims this process took but will not send (pre-claimed deliveries the queue had no room for, a
    /// send cut short by shutdown): they are pending again, and the sweeper brings them in when the queue has room.
    /// Only claims still held under the given token are released. Never throws: if this fails, the leases simply run out.
    /// </summary>
    public async Task ReleaseAsync(IReadOnlyList<DeliveryEntity> deliveries)
    {
        try
        {
            var now = _time.GetUtcNow();
            await _writer.WriteAsync(WriteKind.Bookkeeping, async session =>
            {
                foreach (var group in deliveries.GroupBy(d => d.LeaseToken))
                {
                    foreach (var chunk in group.Select(d => d.Id).Chunk(500))
                    {
                        await session.Db.Deliveries.Where(d => chunk.Contains(d.Id) && d.LeaseToken == group.Key)
                            .ExecuteUpdateAsync(s => s
                                .SetProperty(d => d.Status, DeliveryStatus.Pending)
                                .SetProperty(d => d.LeaseToken, (string?)null)
                                .SetProperty(d => d.LeaseExpiresAt, (DateTimeOffset?)null)
                                .SetProperty(d => d.UpdatedAt, now));
                    }
                }
            });
            _queue.NoteBacklog();
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Could not hand back {Count} claimed deliveries; they are sent when their leases run out", deliveries.Count);
        }
    }

    /// <summary>Hands a claimed delivery back unsent, due at <paramref name="at"/> (its webhook's next turn); only while the claim is still ours.</summary>
    public async Task RescheduleAsync(DeliveryEntity delivery, string token, DateTimeOffset at)
    {
        var now = _time.GetUtcNow();
        await _writer.WriteAsync(WriteKind.Bookkeeping, session => session.Db.Deliveries
            .Where(d => d.Id == delivery.Id && d.LeaseToken == token)
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.Pending)
                .SetProperty(d => d.NextAttemptAt, at)
                .SetProperty(d => d.LeaseToken, (string?)null)
                .SetProperty(d => d.LeaseExpiresAt, (DateTimeOffset?)null)
                .SetProperty(d => d.UpdatedAt, now)));
        _queue.Release(delivery.Id);
        _notifier.Publish(new DeliveryChange(delivery.WebhookId, delivery.Id, DeliveryStatus.Pending));
    }

    /// <summary>
    /// At start-up, before this process claims anything: leases under this instance's name were taken by a process
    /// that is gone, so they expire now and the first sweep sends their deliveries. Returns how many there were.
    /// </summary>
    public async Task<int> ExpireLeasesOfEarlierRunsAsync(CancellationToken ct)
    {
        var prefix = _options.CurrentValue.EffectiveInstanceId + ":";
        var now = _time.GetUtcNow();
        return await _writer.WriteAsync(WriteKind.Bookkeeping, session => session.Db.Deliveries
            .Where(d => d.Status == DeliveryStatus.InFlight && d.LeaseExpiresAt > now && d.LeaseToken!.StartsWith(prefix))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.LeaseExpiresAt, now), ct), ct);
    }

    /// <summary>
    /// One conditional UPDATE (provider-neutral) claims every due delivery of the batch under one lease token; the
    /// claimed rows and their webhooks are then read back in two queries, whatever the size of the batch.
    /// </summary>
    private async Task<IReadOnlyList<ClaimedDelivery?>> ClaimBatchAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var token = NewLeaseToken();
        var leaseUntil = now + _options.CurrentValue.LeaseDuration;
        // The same id twice in one batch must not hand one claim to two senders.
        var distinct = ids.Distinct().ToList();
        await _writer.WriteAsync(WriteKind.Bookkeeping, async session =>
        {
            var targets = distinct;
            if (session.LocksRows)
            {
                // Several instances claim from one database: lock the batch's rows and skip those another instance is
                // claiming or settling right now (they are not ours to take), rather than wait for its transaction.
                targets = await session.Db.Deliveries.Where(d => distinct.Contains(d.Id)).Select(d => d.Id).ForUpdateSkipLocked().ToListAsync(ct);
            }
            // The rows are found by primary key only and the claim condition is applied per column. Put in the WHERE
            // clause, the condition invites SQLite to walk the (Status, NextAttemptAt) index over the whole backlog
            // instead of looking up the batch's ids, which made every claim as slow as the backlog was long.
            await session.Db.Deliveries
                .Where(d => targets.Contains(d.Id))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.Status, IfClaimable(now, DeliveryStatus.InFlight, d => d.Status))
                    .SetProperty(d => d.LeaseExpiresAt, IfClaimable<DateTimeOffset?>(now, leaseUntil, d => d.LeaseExpiresAt))
                    .SetProperty(d => d.LeaseToken, IfClaimable<string?>(now, token, d => d.LeaseToken))
                    .SetProperty(d => d.UpdatedAt, IfClaimable(now, now, d => d.UpdatedAt)), ct);
        }, ct);
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var claimed = await db.Deliveries.AsNoTracking().Where(d => distinct.Contains(d.Id) && d.LeaseToken == token).ToDictionaryAsync(d => d.Id, ct);
        var webhookIds = claimed.Values.Select(d => d.WebhookId).Distinct().ToList();
        var webhooks = webhookIds.Count == 0
            ? []
            : await db.Webhooks.AsNoTracking().Where(w => webhookIds.Contains(w.Id)).ToDictionaryAsync(w => w.Id, ct);
        var handedOut = new HashSet<string>();
        return ids.Select(id => claimed.TryGetValue(id, out var d) && handedOut.Add(id)
            ? new ClaimedDelivery(d, webhooks.GetValueOrDefault(d.WebhookId))
            : null).ToList();
    }

    /// <summary><c>d => claimable(d) ? value : current(d)</c>, where claimable means due, or held under an expired lease.</summary>
    private static Expression<Func<DeliveryEntity, T>> IfClaimable<T>(DateTimeOffset now, T value, Expression<Func<DeliveryEntity, T>> current)
    {
        Expression<Func<DeliveryEntity, bool>> claimable = d =>
            (d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now) || (d.Status == DeliveryStatus.InFlight && d.LeaseExpiresAt <= now);
        Expression<Func<T>> constant = () => value; // a captured value, so EF sends it as a parameter
        var row = current.Parameters[0];
        var test = new ReplaceParameter(claimable.Parameters[0], row).Visit(claimable.Body);
        return Expression.Lambda<Func<DeliveryEntity, T>>(Expression.Condition(test, constant.Body, current.Body), row);
    }

    private sealed class ReplaceParameter(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }

    /// <summary>
    /// Settles a batch in one transaction: first one or two health updates per webhook, then per send one insert of its
    /// attempt and one compare-and-set update of its delivery (only while the claim's lease token is still on it), all
    /// in one round trip on PostgreSQL (prepared statements on SQLite).
    /// </summary>
    /// <remarks>
    /// The order is the lock order of every write that touches a webhook and its deliveries (PostgreSQL): a webhook's
    /// row before its deliveries' rows, and webhooks in id order. Deleting a webhook locks its row, then its deliveries
    /// (the cascade); a settlement that locked the delivery first and then waited for the webhook's row deadlocked
    /// with it, and one of the two was rolled back (the deletion answered 500). Now a settlement waiting for a webhook
    /// holds none of its deliveries.
    /// </remarks>
    private async Task<IReadOnlyList<bool>> SettleBatchAsync(IReadOnlyList<SettleRequest> batch, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var results = new List<bool>(batch.Count);
        // Settle copies: if this batch rolls back, WriteBatcher retries each item from the state it was given.
        var deliveries = batch.Select(r => r.Delivery.Copy()).ToList();
        var disabled = new List<string>();
        await _writer.WriteAsync(WriteKind.Bookkeeping, async session =>
        {
            // A test send is a check the user reads in the dialog, not traffic: it leaves the health alone.
            var byWebhook = batch.Select(r => r.Result.Attempt).Where(a => a.Trigger != AttemptTrigger.Test)
                .GroupBy(a => a.WebhookId).OrderBy(g => g.Key, StringComparer.Ordinal);
            foreach (var group in byWebhook)
            {
                var (reason, failing) = await UpdateHealthAsync(session.Db, group.Key, group.ToList(), now, ct);
                if (reason is not null)
                {
                    WebhookSettings.Changed(session);
                    disabled.Add(group.Key);
                    _logger.LogWarning("Webhook {WebhookId} was disabled: {Reason}", group.Key, reason);
                    await _alerts.RaiseAsync(session, WebhookEvents.WebhookDisabled, group.Key, reason, ct);
                }
                else if (failing is not null)
                {
                    _logger.LogWarning("Webhook {WebhookId} is failing: {Reason}", group.Key, failing);
                    await _alerts.RaiseAsync(session, WebhookEvents.WebhookFailing, group.Key, failing, ct);
                }
            }
            var rows = session.Rows;
            var updates = new List<RowUpdate<DeliveryEntity>>(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                var r = batch[i];
                Apply(deliveries[i], r.Result, r.PreviousStatus, now);
                updates.Add(new(r.Delivery, deliveries[i], [(nameof(DeliveryEntity.LeaseToken), r.Token)]));
            }
            // The attempts and the compare-and-set updates in one round trip where the engine batches. Settling takes the
            // lease token off, so a second request for the same delivery in this batch finds it gone.
            rows.Defer(batch.Select(r => r.Result.Attempt));
            results.AddRange(await rows.UpdateChangedAllAsync(updates, ct));
        }, ct);
        // Settled deliveries may be queued again (a retry that comes due) before anyone hears of them, so a sweep
        // prompted by this news cannot find them still marked as in hand.
        foreach (var r in batch)
        {
            _queue.Release(r.Delivery.Id);
        }
        // Published after the commit, so a subscriber that reacts sees the delivery and the webhook's health settled.
        for (var i = 0; i < batch.Count; i++)
        {
            _notifier.Publish(new DeliveryChange(batch[i].Webhook.Id, deliveries[i].Id, results[i] ? deliveries[i].Status : null));
        }
        foreach (var webhookId in disabled)
        {
            _notifier.Publish(new DeliveryChange(webhookId, null, null, WebhookChanged: true));
        }
        return results;
    }

    /// <summary>Settles a delivery we still hold after an attempt: succeeded, failed, or pending again per the retry schedule.</summary>
    private void Apply(DeliveryEntity delivery, SendResult result, DeliveryStatus previousStatus, DateTimeOffset now)
    {
        var attempt = result.Attempt;
        delivery.AttemptCount++;
        delivery.LastStatusCode = attempt.ResponseStatus;
        delivery.LastError = attempt.Error;
        if (attempt.Succeeded)
        {
            Settle(delivery, DeliveryStatus.Succeeded, now, null);
        }
        else if (attempt.ResponseStatus == StatusCodes.Status410Gone)
        {
            Settle(delivery, DeliveryStatus.Failed, now, attempt.Error);
        }
        else if (attempt.Trigger != AttemptTrigger.Scheduled)
        {
            Settle(delivery, previousStatus == DeliveryStatus.Pending ? DeliveryStatus.Pending : DeliveryStatus.Failed, now, attempt.Error);
        }
        else if (_retry.NextAttemptAt(delivery.RetryStep, now, result.RetryAfter) is { } next)
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

    internal static void Settle(DeliveryEntity delivery, DeliveryStatus status, DateTimeOffset now, string? error)
    {
        delivery.Status = status;
        delivery.LeaseExpiresAt = null;
        delivery.LeaseToken = null;
        delivery.UpdatedAt = now;
        delivery.LastError = error;
        delivery.CompletedAt = status is DeliveryStatus.Pending or DeliveryStatus.InFlight ? null : now;
    }

    /// <summary>
    /// Health counters are updated in SQL, not from a loaded row, so concurrent sends to one webhook do not lose
    /// counts. The attempts (in order) fold into at most two updates: a success resets the failure streak, and the
    /// failures after the last success extend it. Returns the reason when this disabled the webhook, and what to say
    /// when this made its failure streak reach <see cref="WebhooksOptions.AlertAfterFailures"/>.
    /// </summary>
    /// <summary>How stale a healthy webhook's <see cref="WebhookEntity.LastSuccessAt"/> may get before a success writes it again.</summary>
    internal static readonly TimeSpan HealthWriteInterval = TimeSpan.FromSeconds(1);

    private async Task<(string? Disabled, string? Failing)> UpdateHealthAsync(AppDbContext db, string webhookId, IReadOnlyList<DeliveryAttemptEntity> attempts, DateTimeOffset now, CancellationToken ct)
    {
        var webhooks = db.Webhooks.Where(w => w.Id == webhookId);
        var lastSuccess = -1;
        for (var i = 0; i < attempts.Count; i++)
        {
            if (attempts[i].Succeeded)
            {
                lastSuccess = i;
            }
        }
        if (lastSuccess >= 0)
        {
            var failedBefore = attempts.Take(lastSuccess).Any(a => !a.Succeeded);
            var succeeded = webhooks;
            if (!failedBefore)
            {
                // A healthy webhook's row is written at most once a second (its last success is kept to the second): every
                // settlement batch of every instance would otherwise write that one row, and on PostgreSQL they queued on
                // its lock (docs/benchmarks.md). A failure streak or a failing mark is always cleared at once.
                var recently = now - HealthWriteInterval;
                succeeded = webhooks.Where(w => w.ConsecutiveFailures != 0 || w.FailingSince != null || w.LastSuccessAt == null || w.LastSuccessAt < recently);
            }
            await succeeded.ExecuteUpdateAsync(s =>
            {
                s.SetProperty(w => w.LastSuccessAt, now)
                    .SetProperty(w => w.FailingSince, (DateTimeOffset?)null)
                    .SetProperty(w => w.ConsecutiveFailures, 0);
                if (failedBefore)
                {
                    s.SetProperty(w => w.LastFailureAt, now);
                }
            }, ct);
        }
        var failures = attempts.Count - lastSuccess - 1;
        string? failing = null;
        if (failures > 0)
        {
            // The streak before these failures, read under the webhook's row lock (PostgreSQL), so two instances
            // settling at once cannot both see it cross the threshold.
            var before = await webhooks.ForUpdate().Select(w => w.ConsecutiveFailures).FirstOrDefaultAsync(ct);
            var threshold = _options.CurrentValue.AlertAfterFailures;
            if (before < threshold && before + failures >= threshold)
            {
                failing = $"{before + failures} deliveries in a row failed. Last error: {attempts[^1].Error ?? $"HTTP {attempts[^1].ResponseStatus}"}";
            }
            await webhooks.ExecuteUpdateAsync(s => s
                .SetProperty(w => w.LastFailureAt, now)
                .SetProperty(w => w.FailingSince, w => w.FailingSince ?? now)
                .SetProperty(w => w.ConsecutiveFailures, w => w.ConsecutiveFailures + failures), ct);
        }

        string reason;
        int disabled;
        if (attempts.Any(a => a.ResponseStatus == StatusCodes.Status410Gone))
        {
            reason = $"Disabled on {now:yyyy-MM-dd HH:mm} UTC: the endpoint answered 410 Gone.";
            disabled = await Disable(webhooks.Where(w => w.Enabled), reason, now, ct);
        }
        else if (failures > 0)
        {
            var threshold = now - _options.CurrentValue.AutoDisableAfter;
            reason = $"Disabled on {now:yyyy-MM-dd HH:mm} UTC: every delivery failed for {_options.CurrentValue.AutoDisableAfter.TotalDays:0.#} days. Last error: {attempts[^1].Error}";
            disabled = await Disable(webhooks.Where(w => w.Enabled && w.FailingSince != null && w.FailingSince <= threshold), reason, now, ct);
        }
        else
        {
            return (null, failing);
        }
        return disabled > 0 ? (reason, null) : (null, failing);
    }

    private static Task<int> Disable(IQueryable<WebhookEntity> query, string reason, DateTimeOffset now, CancellationToken ct) =>
        query.ExecuteUpdateAsync(s => s
            .SetProperty(w => w.Enabled, false)
            .SetProperty(w => w.DisabledReason, reason.Length > 1000 ? reason[..1000] : reason)
            .SetProperty(w => w.DisabledAt, now)
            .SetProperty(w => w.UpdatedAt, now), ct);

    public void Dispose()
    {
        _claims.Dispose();
        _settlements.Dispose();
    }
}
