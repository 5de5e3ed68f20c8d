using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Undb.Data;

namespace Undb.Features.Accounts;

/// <summary>
/// Keeps each member's "last active" time to the minute: the first request or circuit of a member in a minute writes it
/// (a bookkeeping write, off the request's path); the rest of that minute write nothing.
/// </summary>
public sealed class MemberActivity(DataWriter writer, TimeProvider time, ILogger<MemberActivity> logger)
{
    private static readonly TimeSpan Resolution = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _written = new(StringComparer.Ordinal);

    public void Touch(string userId)
    {
        var now = time.GetUtcNow();
        if (_written.TryGetValue(userId, out var last) && now - last < Resolution)
        {
            return;
        }
        _written[userId] = now;
        _ = WriteAsync(userId, now);
    }

    private async Task WriteAsync(string userId, DateTimeOffset now)
    {
        try
        {
            await writer.WriteAsync(WriteKind.Bookkeeping, session => session.Db.Users.Where(u => u.Id == userId)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.LastActiveAt, now), CancellationToken.None), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Only a display value: the next minute tries again.
            _written.TryRemove(userId, out _);
            logger.LogDebug(ex, "Could not record that {UserId} was active", userId);
        }
    }
}
