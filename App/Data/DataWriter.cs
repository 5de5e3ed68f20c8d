using Microsoft.EntityFrameworkCore;

namespace Undb.Data;

/// <summary>What a write is, which is all a feature says about how it commits.</summary>
public enum WriteKind
{
    /// <summary>A change a user or a sender asked for: records, tables, fields, webhooks, tokens, accounts.</summary>
    Change,

    /// <summary>
    /// Batched bookkeeping that many requests share (delivery claims and results, request logs, idempotency keys): an
    /// engine with one writer at a time lets it go first, so a steady stream of changes cannot starve it.
    /// </summary>
    Bookkeeping,
}

/// <summary>
/// The one write seam. A feature says <i>what</i> to write: it gets a <see cref="WriteSession"/> (a context inside a
/// transaction), changes entities, adds rows, and registers work to run before and after the commit. The engine's
/// writer decides <i>how</i> it commits: SQLite's queues writers in this process (one writer at a time, bookkeeping
/// first); PostgreSQL's runs a plain transaction and relies on row locks. Every write of the app goes through here,
/// including Identity's (see each engine's interceptor for writes that arrive through a bare <c>SaveChanges</c>).
/// </summary>
public abstract class DataWriter(IDbContextFactory<AppDbContext> dbFactory, ILogger<DataWriter> logger)
{
    /// <summary>The seam tests hold group commits by (see <see cref="GroupCommitPause"/>); batchers of this writer's writes use it.</summary>
    public GroupCommitPause GroupCommits { get; } = new();

    /// <summary>Whether the engine locks rows (so a claim must lock what it takes and skip what others hold).</summary>
    public abstract bool LocksRows { get; }

    /// <summary>
    /// Whether a write failed only because a concurrent one committed first in a way the write could not have seen
    /// when it read (a row it points to deleted meanwhile, a deadlock the server broke): run again, it reads the new
    /// state and may well succeed. Its transaction was rolled back, so running it again writes nothing twice.
    /// </summary>
    public virtual bool LostARace(Exception ex) => false;

    /// <summary>The SQL operator that compares two values treating NULLs as equal (used by <see cref="RowWriter"/>).</summary>
    public abstract string NullSafeEquals { get; }

    /// <summary>Whether <see cref="RowWriter"/>'s multi-row inserts send one array per column (see its constructor).</summary>
    public virtual bool InsertsFromArrays => false;

    public Task WriteAsync(Func<WriteSession, Task> work, CancellationToken ct = default) =>
        WriteAsync(WriteKind.Change, work, ct);

    public Task WriteAsync(WriteKind kind, Func<WriteSession, Task> work, CancellationToken ct = default) =>
        WriteAsync<bool>(kind, async s =>
        {
            await work(s);
            return true;
        }, ct);

    public Task<T> WriteAsync<T>(Func<WriteSession, Task<T>> work, CancellationToken ct = default) =>
        WriteAsync(WriteKind.Change, work, ct);

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction of its own and commits it: what the session tracks and the rows
    /// it was given are saved after the work, then the session's before-commit work runs, then the commit. After the
    /// commit (never before, never on a rollback) the session's after-commit actions run; one that throws is logged,
    /// not rethrown, since the write is committed. An exception from the work rolls everything back and is rethrown.
    /// </summary>
    public async Task<T> WriteAsync<T>(WriteKind kind, Func<WriteSession, Task<T>> work, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await WriteAsync(db, kind, work, ct);
    }

    /// <summary>
    /// The same on a context the caller already has: ASP.NET Core Identity's stores save through the request's scoped
    /// context, so a write that includes theirs (registration) runs on that one. The context must not be tracking
    /// unsaved changes of something else.
    /// </summary>
    public async Task<T> WriteAsync<T>(AppDbContext db, WriteKind kind, Func<WriteSession, Task<T>> work, CancellationToken ct = default)
    {
        T result;
        IReadOnlyList<Action> afterCommit;
        using (await EnterAsync(kind, ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            using var session = new WriteSession(db, this);
            result = await work(session);
            await session.FinishAsync(ct);
            // Not cancelled half-way: once the commit is under way, the caller gets the real outcome.
            await tx.CommitAsync(CancellationToken.None);
            afterCommit = session.AfterCommitActions;
        }
        RunAfterCommit(afterCommit);
        return result;
    }

    /// <summary>Runs actions of a committed write; a failure is logged, since the write stands.</summary>
    public void RunAfterCommit(IReadOnlyList<Action> actions)
    {
        foreach (var action in actions)
        {
            try
            {
                action();
            }
            catch (Exception ex)
            {
                // Whoever relies on the action recovers a missed one from the database (the outbox sweeper, say).
                logger.LogError(ex, "An action after a committed write failed");
            }
        }
    }

    /// <summary>Waits for this engine's turn to write, if it has turns; disposing the result ends the turn.</summary>
    protected abstract ValueTask<IDisposable?> EnterAsync(WriteKind kind, CancellationToken ct);
}

/// <summary>
/// One write transaction as a feature sees it: <see cref="Db"/> to change entities through, rows to insert in bulk,
/// state kept for the transaction (<see cref="Items"/>: a group commit runs many writes in one, so a participant can
/// read what it needs once) and work to run before and after the commit.
/// </summary>
public sealed class WriteSession : IDisposable
{
    private readonly List<Func<CancellationToken, Task>> _beforeCommit = [];
    private readonly List<Action> _afterCommit = [];
    private readonly List<object> _rows = [];
    private readonly DataWriter _writer;
    private RowWriter? _rowWriter;

    internal WriteSession(AppDbContext db, DataWriter writer)
    {
        Db = db;
        _writer = writer;
    }

    public AppDbContext Db { get; }

    public Dictionary<object, object?> Items { get; } = [];

    /// <summary>Whether the engine locks rows: a claim then locks what it takes and skips rows others hold.</summary>
    public bool LocksRows => _writer.LocksRows;

    /// <summary>Prepared statements for rows of mapped entities, living as long as the transaction.</summary>
    public RowWriter Rows => _rowWriter ??= Db.DeferredRows = new RowWriter(Db, _writer.NullSafeEquals, _writer.InsertsFromArrays);

    /// <summary>
    /// Adds a new row to the current write: it is inserted when the write is saved, through one prepared statement per
    /// kind of row for the whole transaction (<see cref="RowWriter"/>), which costs a fraction of what tracking it
    /// through <see cref="Db"/> costs. If the write is rejected first, the row is dropped with it.
    /// </summary>
    public void Add<T>(T row) where T : class => _rows.Add(row);

    /// <summary>The rows given to <see cref="Add{T}"/> that the current write has not saved yet.</summary>
    public IReadOnlyList<object> PendingRows => _rows;

    /// <summary>
    /// Runs <paramref name="action"/> once, after the transaction's last write and before its commit: work that many
    /// writes share, such as one counter update for all of them. If it throws, the transaction is rolled back.
    /// </summary>
    public void BeforeCommit(Func<CancellationToken, Task> action) => _beforeCommit.Add(action);

    /// <summary>Runs <paramref name="action"/> once the transaction has committed (waking a worker, publishing a change).</summary>
    public void AfterCommit(Action action) => _afterCommit.Add(action);

    internal IReadOnlyList<Action> AfterCommitActions => _afterCommit;

    /// <summary>Saves the current write: what is tracked by <see cref="Db"/>, then the rows given to <see cref="Add{T}"/> (with any deferred ones).</summary>
    public Task SaveAsync(CancellationToken ct) => SaveAsync(sendRows: true, ct);

    /// <summary>
    /// Saves the current write's tracked changes and hands its new rows to the transaction without sending them: they
    /// go in one round trip with the rows of the writes after it (a group commit's), before the next command on the
    /// connection (<see cref="DeferredRowsInterceptor"/>) and at the latest with the session's final save, before the
    /// commit. The write is then saved as far as the next one can tell.
    /// </summary>
    public Task SaveDeferringRowsAsync(CancellationToken ct) => SaveAsync(sendRows: false, ct);

    private async Task SaveAsync(bool sendRows, CancellationToken ct)
    {
        // Unconditionally: SaveChanges detects changes once (HasChanges() first would detect them twice), and with
        // nothing tracked it writes nothing.
        await Db.SaveChangesAsync(ct);
        if (_rows.Count > 0)
        {
            Rows.Defer(_rows);
            _rows.Clear();
        }
        if (sendRows && _rowWriter is not null)
        {
            await _rowWriter.SendDeferredAsync();
        }
    }

    /// <summary>Forgets the current write's unsaved rows and tracked changes (it was rejected, or it is saved and done).</summary>
    public void EndWrite()
    {
        _rows.Clear();
        Db.ChangeTracker.Clear();
    }

    /// <summary>
    /// Saves the last write and runs the before-commit work. That work sees the writes saved, and rows it defers (the
    /// incoming counters, <see cref="RowWriter.DeferAddTo{T}"/>) go to the server in one round trip with theirs.
    /// </summary>
    internal async Task FinishAsync(CancellationToken ct)
    {
        if (_beforeCommit.Count > 0)
        {
            await SaveDeferringRowsAsync(ct);
            foreach (var action in _beforeCommit)
            {
                await action(ct);
            }
            _beforeCommit.Clear();
        }
        await SaveAsync(ct);
    }

    public void Dispose()
    {
        if (_rowWriter is not null)
        {
            Db.DeferredRows = null;
            _rowWriter.Dispose();
        }
    }
}
