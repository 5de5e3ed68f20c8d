using Microsoft.EntityFrameworkCore;
using Undb.Data;

namespace Undb.Features.Webhooks.Outbound.Alerts;

/// <summary>A notification as the bell shows it.</summary>
public sealed record NotificationDto(string Id, string Kind, string WebhookId, string WebhookName, string Message, DateTimeOffset CreatedAt, bool Unread);

/// <summary>The newest notifications for a member, how many they have not seen, and marking them seen.</summary>
public sealed class NotificationService(IDbContextFactory<AppDbContext> dbFactory, DataWriter writer, NotificationNotifier notifier, TimeProvider time)
{
    public const int Shown = 20;

    public async Task<(IReadOnlyList<NotificationDto> Items, int Unread)> ListAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var seen = await db.NotificationsSeen.AsNoTracking().Where(s => s.UserId == userId).Select(s => (DateTimeOffset?)s.SeenUpTo).FirstOrDefaultAsync(ct)
            ?? DateTimeOffset.MinValue;
        var unread = await db.Notifications.CountAsync(n => n.CreatedAt > seen, ct);
        var items = await db.Notifications.AsNoTracking().OrderByDescending(n => n.Id).Take(Shown).ToListAsync(ct);
        return (items.Select(n => new NotificationDto(n.Id, n.Kind, n.WebhookId, n.WebhookName, n.Message, n.CreatedAt, n.CreatedAt > seen)).ToList(), unread);
    }

    /// <summary>Everything up to now counts as seen for this member.</summary>
    public async Task MarkSeenAsync(string userId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await writer.WriteAsync(WriteKind.Bookkeeping, async session =>
        {
            var row = await session.Db.NotificationsSeen.FirstOrDefaultAsync(s => s.UserId == userId, ct);
            if (row is null)
            {
                session.Db.NotificationsSeen.Add(new NotificationSeenEntity { UserId = userId, SeenUpTo = now });
            }
            else
            {
                row.SeenUpTo = now;
            }
        }, ct);
        notifier.Publish(new NotificationChange(null, SeenBy: userId));
    }
}
