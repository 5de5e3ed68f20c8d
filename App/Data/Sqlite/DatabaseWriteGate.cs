namespace Undb.Data.Sqlite;

/// <summary>
/// Serialises write transactions inside this process when the database takes one writer at a time (SQLite).
/// Without it, concurrent writers meet SQLITE_BUSY and SQLite resolves that by sleeping and retrying, which under
/// load costs far more than the writes themselves; an async wait here costs nothing.
/// Waiters with <see cref="WritePriority.High"/> go first: they are batched bookkeeping (delivery claims and results)
/// that many sends share, so a steady stream of record writes must not starve them. Under overload record writes
/// then slow down (back-pressure on their callers) instead of deliveries stalling.
/// On a database with row-level locking (PostgreSQL) the gate is open and does nothing.
/// Hold it only around database work, never around network calls.
/// </summary>
public sealed class DatabaseWriteGate(bool serialize)
{
    private readonly object _sync = new();
    private readonly Queue<TaskCompletionSource> _high = new();
    private readonly Queue<TaskCompletionSource> _normal = new();
    private bool _held;

    public async ValueTask<Releaser> EnterAsync(CancellationToken ct = default) => await EnterAsync(WritePriority.Normal, ct);

    public async ValueTask<Releaser> EnterAsync(WritePriority priority, CancellationToken ct = default)
    {
        if (!serialize)
        {
            return new Releaser(null);
        }
        TaskCompletionSource waiter;
        lock (_sync)
        {
            if (!_held)
            {
                _held = true;
                return new Releaser(this);
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (priority == WritePriority.High ? _high : _normal).Enqueue(waiter);
        }
        using (ct.Register(() => waiter.TrySetCanceled(ct)))
        {
            try
            {
                await waiter.Task;
            }
            catch (OperationCanceledException)
            {
                // Cancelled after being handed the gate: pass it on rather than leak it.
                if (waiter.Task.IsCompletedSuccessfully)
                {
                    Release();
                }
                throw;
            }
        }
        return new Releaser(this);
    }

    /// <summary>Writers waiting for their turn (what tests drive the gate by, instead of by time).</summary>
    public int Waiting
    {
        get
        {
            lock (_sync)
            {
                return _high.Count + _normal.Count;
            }
        }
    }

    private void Release()
    {
        lock (_sync)
        {
            while (_high.TryDequeue(out var next) || _normal.TryDequeue(out next))
            {
                if (next.TrySetResult())
                {
                    return; // ownership passes straight to the next waiter
                }
            }
            _held = false;
        }
    }

    public readonly struct Releaser(DatabaseWriteGate? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}

public enum WritePriority { Normal, High }
