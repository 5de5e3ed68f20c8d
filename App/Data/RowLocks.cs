using Microsoft.EntityFrameworkCore;

namespace Undb.Data;

/// <summary>
/// Row locks, said once in LINQ and carried out by each engine: PostgreSQL's command interceptor turns the tag into
/// <c>FOR UPDATE</c> (or <c>FOR UPDATE SKIP LOCKED</c>); SQLite, whose writers take turns in this process, ignores it.
/// Use inside a <see cref="WriteSession"/>: a lock lasts until the transaction ends.
/// </summary>
public static class RowLocks
{
    public const string ForUpdateTag = "undb:for-update";
    public const string SkipLockedTag = "undb:for-update-skip-locked";

    /// <summary>Locks the rows read until the write commits, so a concurrent writer of the same rows waits.</summary>
    public static IQueryable<T> ForUpdate<T>(this IQueryable<T> query) => query.TagWith(ForUpdateTag);

    /// <summary>Locks the rows read and leaves out rows another transaction holds (claims by several instances).</summary>
    public static IQueryable<T> ForUpdateSkipLocked<T>(this IQueryable<T> query) => query.TagWith(SkipLockedTag);
}
