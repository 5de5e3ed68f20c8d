using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Undb.Data;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>
/// Remembers the answer to a request with an <c>Idempotency-Key</c> or <c>webhook-id</c> for the configured window.
/// Only successful answers are kept: a rejected request wrote nothing, so letting its retry run again is safe and lets
/// a sender succeed once the mapping is fixed. The key is claimed (inserted) before writing, so two concurrent
/// requests with one key, even on two app instances, cannot both write.
/// </summary>
public sealed class IdempotencyStore(IDbContextFactory<AppDbContext> dbFactory, DataWriter writer, IOptions<IncomingWebhooksOptions> options, TimeProvider time)
{
    private readonly IncomingWebhooksOptions _options = options.Value;

    /// <summary>The first answer for this key, if one was completed within the window.</summary>
    public async Task<IngestOutcome?> FindAnswerAsync(string webhookId, string key, CancellationToken ct)
    {
        var since = time.GetUtcNow() - _options.IdempotencyWindow;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.IncomingIdempotencyKeys.AsNoTracking()
            .FirstOrDefaultAsync(k => k.WebhookId == webhookId && k.Key == key && k.Status != null && k.CreatedAt >= since, ct);
        return row?.Response is { } response && JsonNode.Parse(response) is JsonObject body
            ? new IngestOutcome(row.Status!.Value, body)
            : null;
    }

    /// <summary>Claims the key; false when another request holds it (still processing, or already answered).</summary>
    public async Task<bool> TryClaimAsync(string webhookId, string key, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return await writer.WriteAsync(WriteKind.Bookkeeping, async session =>
        {
            var db = session.Db;
            // Expired answers and claims abandoned by a crashed request no longer hold the key.
        var expired = now - _options.IdempotencyWindow;
        var abandoned = now - _options.IdempotencyClaimTimeout;
            await db.IncomingIdempotencyKeys
                .Where(k => k.WebhookId == webhookId && (k.CreatedAt < expired || (k.Key == key && k.Status == null && k.CreatedAt < abandoned)))
                .ExecuteDeleteAsync(ct);
            if (await db.IncomingIdempotencyKeys.AnyAsync(k => k.WebhookId == webhookId && k.Key == key, ct))
            {
                return false;
            }
            db.IncomingIdempotencyKeys.Add(new IncomingIdempotencyEntity { WebhookId = webhookId, Key = key, CreatedAt = now });
            try
            {
                await db.SaveChangesAsync(ct);
                return true;
            }
            catch (DbUpdateException)
            {
                // A concurrent request (on this instance or another) inserted the same key between the check and the
                // insert: the primary key decided. The save rolled back to its savepoint; the key is not ours to add.
                db.ChangeTracker.Clear();
                return false;
            }
        }, ct);
    }

    /// <summary>Stores a success as the key's answer; releases the key after a rejection. Not cancellable: the records are already written.</summary>
    public async Task CompleteAsync(string webhookId, string key, IngestOutcome outcome)
    {
        await writer.WriteAsync(WriteKind.Bookkeeping, session => CompleteAsync(session.Db, webhookId, key, outcome), CancellationToken.None);
    }

    /// <summary>The same, inside the caller's transaction (the one that writes the records), so the answer commits with them.</summary>
    public async Task CompleteAsync(AppDbContext db, string webhookId, string key, IngestOutcome outcome)
    {
        var claim = db.IncomingIdempotencyKeys.Where(k => k.WebhookId == webhookId && k.Key == key && k.Status == null);
        if (outcome.Status is >= 200 and < 300)
        {
            var response = JsonStorage.Serialize(outcome.Body);
            await claim.ExecuteUpdateAsync(s => s.SetProperty(k => k.Status, outcome.Status).SetProperty(k => k.Response, response), CancellationToken.None);
        }
        else
        {
            await claim.ExecuteDeleteAsync(CancellationToken.None);
        }
    }
}
