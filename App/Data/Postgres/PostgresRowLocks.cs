using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Undb.Data.Postgres;

/// <summary>
/// Carries out <see cref="RowLocks"/> on PostgreSQL: a query tagged <c>undb:for-update</c> gets <c>FOR UPDATE</c>
/// (and <c>SKIP LOCKED</c> for the skipping form) at its end. EF writes a tag as a comment line before the query.
/// </summary>
public sealed class PostgresRowLocks : DbCommandInterceptor
{
    public static readonly PostgresRowLocks Instance = new();

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Apply(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Apply(command);
        return ValueTask.FromResult(result);
    }

    internal static void Apply(DbCommand command)
    {
        var sql = command.CommandText;
        if (!sql.StartsWith("-- undb:for-update", StringComparison.Ordinal))
        {
            return;
        }
        var clause = sql.StartsWith("-- " + RowLocks.SkipLockedTag, StringComparison.Ordinal) ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE";
        command.CommandText = sql.TrimEnd().TrimEnd(';') + clause;
    }
}
