using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Accounts;

/// <summary>Resolves user ids to <see cref="UserRef"/> for "created by" and event payloads; cached because usernames rarely change.</summary>
public sealed class UserDirectory(IDbContextFactory<AppDbContext> dbFactory)
{
    private readonly ConcurrentDictionary<string, UserRef> _cache = new();

    public async ValueTask<UserRef?> GetAsync(string? userId, CancellationToken ct = default)
    {
        if (userId is null)
        {
            return null;
        }
        if (_cache.TryGetValue(userId, out var cached))
        {
            return cached;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var name = await db.Users.Where(u => u.Id == userId).Select(u => u.UserName).FirstOrDefaultAsync(ct);
        if (name is null)
        {
            return new UserRef(userId, "(deleted user)");
        }
        return _cache[userId] = new UserRef(userId, name);
    }

    public void Forget(string userId) => _cache.TryRemove(userId, out _);
}
