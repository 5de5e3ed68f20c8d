using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Realtime;

namespace Undb.Features.Accounts;

/// <summary>A member as authorization sees it: the current role, and whether the member may still sign in at all.</summary>
public sealed record MemberState(string Id, string Email, Role Role, bool Active);

/// <summary>A member's role changed, or the member was removed (or joined).</summary>
public sealed record MemberChange(string UserId);

/// <summary>Member changes, on this instance and (through the backplane) every other: caches drop the member, circuits re-check.</summary>
public sealed class MemberNotifier(ILogger<MemberNotifier> logger, INotifierBackplane? backplane = null)
    : KeyedNotifier<MemberChange>(logger, change => change.UserId, backplane);

/// <summary>
/// Every request and UI action asks this for the member's current role, so a role change or a removal counts at once,
/// on every instance: entries are dropped when <see cref="MemberNotifier"/> says so, and expire after a minute anyway.
/// </summary>
public sealed class MemberDirectory : IDisposable
{
    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly ReadThroughCache<MemberState> _cache;
    private readonly IDisposable _subscription;

    public MemberDirectory(IDbContextFactory<AppDbContext> dbFactory, MemberNotifier notifier, TimeProvider time)
    {
        _dbFactory = dbFactory;
        _cache = new ReadThroughCache<MemberState>(time, TimeSpan.FromMinutes(1));
        _subscription = notifier.SubscribeAll(change =>
        {
            _cache.Invalidate(change.UserId);
            Changed?.Invoke(change.UserId);
            return Task.CompletedTask;
        });
    }

    /// <summary>Raised (with the user id) after a member's cached state was dropped, so a reader then sees the change.</summary>
    public event Action<string>? Changed;

    /// <summary>The member, or null for an unknown id. A removed member is returned with <see cref="MemberState.Active"/> false.</summary>
    public Task<MemberState?> GetAsync(string? userId, CancellationToken ct = default) =>
        userId is null ? Task.FromResult<MemberState?>(null) : _cache.GetAsync(userId, async token =>
        {
            await using var db = await _dbFactory.CreateDbContextAsync(token);
            return await db.Users.AsNoTracking().Where(u => u.Id == userId)
                .Select(u => new MemberState(u.Id, u.Email ?? u.UserName ?? u.Id, u.Role, u.RemovedAt == null))
                .FirstOrDefaultAsync(token);
        }, ct);

    /// <summary>The role of an active member, or null (unknown or removed).</summary>
    public async Task<Role?> RoleAsync(string? userId, CancellationToken ct = default) =>
        await GetAsync(userId, ct) is { Active: true } member ? member.Role : null;

    public void Dispose() => _subscription.Dispose();
}
