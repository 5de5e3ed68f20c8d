using System.Threading.Channels;

namespace Undb.Data;

/// <summary>
/// Group commit: callers submit small writes one at a time and a single loop flushes whatever has gathered as one
/// batch (one transaction), so N concurrent writers cost one round of database work instead of N. Under light load
/// a batch is one item and nothing waits; under heavy load batches grow and throughput with them.
/// If a batch fails, its items are retried one by one so one bad item cannot fail the others.
/// </summary>
public sealed class WriteBatcher<TIn, TOut> : IDisposable
{
    private readonly Channel<(TIn Item, TaskCompletionSource<TOut> Done)> _channel =
        Channel.CreateUnbounded<(TIn, TaskCompletionSource<TOut>)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<TIn>, CancellationToken, Task<IReadOnlyList<TOut>>> _flush;
    private readonly int _maxBatch;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private readonly GroupCommitPause? _pause;
    private int _queued;

    public WriteBatcher(Func<IReadOnlyList<TIn>, CancellationToken, Task<IReadOnlyList<TOut>>> flush, int maxBatch = 256, GroupCommitPause? pause = null)
    {
        _flush = flush;
        _maxBatch = maxBatch;
        _pause = pause;
        pause?.Track(() => Volatile.Read(ref _queued));
        _loop = Task.Run(LoopAsync);
    }

    public Task<TOut> SubmitAsync(TIn item)
    {
        var done = new TaskCompletionSource<TOut>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _queued);
        if (!_channel.Writer.TryWrite((item, done)))
        {
            Interlocked.Decrement(ref _queued);
            done.SetException(new ObjectDisposedException(nameof(WriteBatcher<TIn, TOut>)));
        }
        return done.Task;
    }

    private async Task LoopAsync()
    {
        var batch = new List<(TIn Item, TaskCompletionSource<TOut> Done)>(_maxBatch);
        try
        {
            while (await _channel.Reader.WaitToReadAsync(_stop.Token))
            {
                if (_pause is not null)
                {
                    await _pause.WaitAsync(_stop.Token);
                }
                batch.Clear();
                while (batch.Count < _maxBatch && _channel.Reader.TryRead(out var next))
                {
                    Interlocked.Decrement(ref _queued);
                    batch.Add(next);
                }
                await FlushAsync(batch);
            }
        }
        catch (OperationCanceledException)
        {
        }
        while (_channel.Reader.TryRead(out var left))
        {
            left.Done.TrySetCanceled();
        }
    }

    private async Task FlushAsync(List<(TIn Item, TaskCompletionSource<TOut> Done)> batch)
    {
        try
        {
            var results = await _flush(batch.Select(b => b.Item).ToList(), _stop.Token);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(results[i]);
            }
        }
        catch (Exception) when (batch.Count > 1)
        {
            foreach (var one in batch)
            {
                await FlushAsync([one]);
            }
        }
        catch (Exception ex)
        {
            batch[0].Done.TrySetException(ex);
        }
    }

    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _stop.Cancel();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}

/// <summary>
/// A seam for tests: while held, group commits take nothing from their queues, so writes started meanwhile gather
/// and, once let go, each batcher takes all that gathered as one batch. Tests wait on <see cref="Queued"/> (a count,
/// not a clock) to know every write has arrived. Never held in production.
/// </summary>
public sealed class GroupCommitPause
{
    private readonly object _sync = new();
    private readonly List<Func<int>> _queues = [];
    private TaskCompletionSource? _held;

    /// <summary>Writes waiting in every group commit's queue, not yet taken into a batch.</summary>
    public int Queued
    {
        get
        {
            lock (_sync)
            {
                return _queues.Sum(q => q());
            }
        }
    }

    public IDisposable Hold()
    {
        lock (_sync)
        {
            if (_held is not null)
            {
                throw new InvalidOperationException("Group commits are held already.");
            }
            _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return new Release(this, _held);
        }
    }

    internal void Track(Func<int> queue)
    {
        lock (_sync)
        {
            _queues.Add(queue);
        }
    }

    internal Task WaitAsync(CancellationToken ct)
    {
        lock (_sync)
        {
            return _held is null ? Task.CompletedTask : _held.Task.WaitAsync(ct);
        }
    }

    private sealed class Release(GroupCommitPause owner, TaskCompletionSource held) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._sync)
            {
                owner._held = null;
            }
            held.TrySetResult();
        }
    }
}
