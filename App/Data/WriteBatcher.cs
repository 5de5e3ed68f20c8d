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

    public WriteBatcher(Func<IReadOnlyList<TIn>, CancellationToken, Task<IReadOnlyList<TOut>>> flush, int maxBatch = 256)
    {
        _flush = flush;
        _maxBatch = maxBatch;
        _loop = Task.Run(LoopAsync);
    }

    public Task<TOut> SubmitAsync(TIn item)
    {
        var done = new TaskCompletionSource<TOut>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_channel.Writer.TryWrite((item, done)))
        {
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
                batch.Clear();
                while (batch.Count < _maxBatch && _channel.Reader.TryRead(out var next))
                {
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
