using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Realtime;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>
/// The incoming webhooks <c>POST /hooks/{id}</c> looks up on every request (key hash, pause, mapping, table). A change
/// made through <see cref="IncomingWebhookService"/> (a new key, a pause, a mapping) applies to the very next request;
/// deleting a table drops everything, as its webhooks went with it. Entries expire after <see cref="MaxAge"/>, so
/// a change made elsewhere (another instance) applies within seconds.
/// </summary>
public sealed class IncomingWebhookCache : IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly ReadThroughCache<IncomingWebhookEntity> _cache;
    private readonly IDisposable[] _subscriptions;

    public IncomingWebhookCache(IDbContextFactory<AppDbContext> dbFactory, IncomingWebhookNotifier incoming, TableChangeNotifier tables, TimeProvider time)
    {
        _dbFactory = dbFactory;
        _cache = new ReadThroughCache<IncomingWebhookEntity>(time, MaxAge);
        _subscriptions =
        [
            incoming.SubscribeAll(activity =>
            {
                if (activity.WebhookChanged)
                {
                    _cache.Invalidate(activity.WebhookId);
                }
                return Task.CompletedTask;
            }),
            tables.SubscribeAll(change =>
            {
                if (change.Kind is TableChangeKind.TableDeleted)
                {
                    _cache.Clear();
                }
                return Task.CompletedTask;
            }),
        ];
    }

    /// <summary>The webhook, untracked and shared (do not change it); null when there is none.</summary>
    public Task<IncomingWebhookEntity?> GetAsync(string id, CancellationToken ct) =>
        _cache.GetAsync(id, async ct =>
        {
            await using var db = await _dbFactory.CreateDbContextAsync(ct);
            return await db.IncomingWebhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct);
        }, ct);

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }
}
