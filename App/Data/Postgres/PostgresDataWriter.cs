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

    protected override ValueTask<IDisposable?> EnterAsync(WriteKind kind, CancellationToken ct) => ValueTask.FromResult<IDisposable?>(null);
}
