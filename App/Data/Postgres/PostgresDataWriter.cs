using Microsoft.EntityFrameworkCore;

namespace Undb.Data.Postgres;

/// <summary>
/// PostgreSQL takes many writers at once: a write is a plain transaction, and writers that touch the same rows wait
/// on row locks (<see cref="RowLocks"/>) rather than on each other in this process.
/// </summary>
public sealed class PostgresDataWriter(IDbContextFactory<AppDbContext> dbFactory, ILogger<DataWriter> logger)
    : DataWriter(dbFactory, logger)
{
    public override bool LocksRows => true;

    public override string NullSafeEquals => "IS NOT DISTINCT FROM";

    public override bool InsertsFromArrays => true;

    /// <summary>
    /// A foreign key broken by a delete committed after the write read its rows (READ COMMITTED: a webhook deleted
    /// while a record write inserted its delivery), a deadlock or a serialization failure.
    /// </summary>
    public override bool LostARace(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.ForeignKeyViolation or Npgsql.PostgresErrorCodes.DeadlockDetected or Npgsql.PostgresErrorCodes.SerializationFailure })
            {
                return true;
            }
        }
        return false;
    }

    protected override ValueTask<IDisposable?> EnterAsync(WriteKind kind, CancellationToken ct) => ValueTask.FromResult<IDisposable?>(null);
}
