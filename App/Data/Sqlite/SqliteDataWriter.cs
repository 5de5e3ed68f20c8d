using Microsoft.EntityFrameworkCore;

namespace Undb.Data.Sqlite;

/// <summary>
/// SQLite takes one writer at a time: writers queue here, in this process, through the <see cref="DatabaseWriteGate"/>
/// (bookkeeping first), instead of in SQLite's sleeping busy handler.
/// </summary>
public sealed class SqliteDataWriter(IDbContextFactory<AppDbContext> dbFactory, DatabaseWriteGate gate, ILogger<DataWriter> logger)
    : DataWriter(dbFactory, logger)
{
    public override bool LocksRows => false;

    public override string NullSafeEquals => "IS";

    protected override async ValueTask<IDisposable?> EnterAsync(WriteKind kind, CancellationToken ct) =>
        await gate.EnterAsync(kind == WriteKind.Bookkeeping ? WritePriority.High : WritePriority.Normal, ct);
}
