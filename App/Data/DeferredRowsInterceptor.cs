using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Undb.Data;

/// <summary>
/// Nothing reads the database without a write session's deferred rows (<see cref="RowWriter.Defer"/>): before any
/// command of a context whose session holds some, they are sent first, on the same connection and transaction. So a write in a group
/// commit that reads records (an update after a create, an upsert) finds the ones written before it, and a foreign key
/// to a deferred row holds, without any feature knowing the rows were held back.
/// </summary>
public sealed class DeferredRowsInterceptor : DbCommandInterceptor
{
    public static readonly DeferredRowsInterceptor Instance = new();

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await SendAsync(eventData);
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await SendAsync(eventData);
        return result;
    }

    public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await SendAsync(eventData);
        return result;
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        RefuseIfDeferred(eventData);
        return result;
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        RefuseIfDeferred(eventData);
        return result;
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        RefuseIfDeferred(eventData);
        return result;
    }

    private static Task SendAsync(CommandEventData eventData) =>
        eventData.Context is AppDbContext { DeferredRows: { HasDeferred: true } rows } ? rows.SendDeferredAsync() : Task.CompletedTask;

    /// <summary>Rows are sent asynchronously only; a synchronous command would otherwise run without them.</summary>
    private static void RefuseIfDeferred(CommandEventData eventData)
    {
        if (eventData.Context is AppDbContext { DeferredRows.HasDeferred: true })
        {
            throw new InvalidOperationException("A synchronous command ran while a write session had deferred rows; use the async API inside write sessions.");
        }
    }
}
