using System.Threading.Channels;

namespace Undb.Features.LiveFeed;

/// <summary>One message for one client: a hub method name and its argument.</summary>
public sealed record FeedItem(string Method, object? Argument);

/// <summary>
/// What one connected client has yet to receive. Posting never waits: the buffer is bounded, and when a slow client
/// lets it fill up, what it holds is dropped and replaced by one <c>resync</c> message ("reload, you missed changes"),
/// so a slow client can never slow the writers, and never silently misses a change. A single pump sends the messages
/// in the order they were posted.
/// </summary>
public sealed class FeedBuffer : IAsyncDisposable
{
    public const string ResyncMethod = "resync";

    private readonly Channel<FeedItem> _channel;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    /// <param name="send">Sends one message to the client; may take as long as the client takes to read.</param>
    public FeedBuffer(int capacity, Func<FeedItem, CancellationToken, Task> send, ILogger logger)
    {
        _channel = Channel.CreateBounded<FeedItem>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _pump = PumpAsync(send, logger);
    }

    /// <summary>How many times this client fell behind and was told to resync.</summary>
    public int Resyncs { get; private set; }

    public void Post(FeedItem item)
    {
        lock (_gate)
        {
            if (_channel.Writer.TryWrite(item))
            {
                return;
            }
            // Full: the client is too slow. Drop what it has not received, tell it to reload, and carry on from here.
            while (_channel.Reader.TryRead(out _))
            {
            }
            Resyncs++;
            _channel.Writer.TryWrite(new FeedItem(ResyncMethod, new { reason = "Too many changes arrived faster than this client read them; reload what you show." }));
            _channel.Writer.TryWrite(item);
        }
    }

    /// <summary>Tells the client to reload (changes it cannot be told one by one, such as a bulk change too large to forward).</summary>
    public void Resync(object reason)
    {
        lock (_gate)
        {
            if (!_channel.Writer.TryWrite(new FeedItem(ResyncMethod, reason)))
            {
                while (_channel.Reader.TryRead(out _))
                {
                }
                Resyncs++;
                _channel.Writer.TryWrite(new FeedItem(ResyncMethod, reason));
            }
        }
    }

    private async Task PumpAsync(Func<FeedItem, CancellationToken, Task> send, ILogger logger)
    {
        await Task.Yield();
        try
        {
            await foreach (var item in _channel.Reader.ReadAllAsync(_stop.Token))
            {
                try
                {
                    await send(item, _stop.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogDebug(ex, "A live feed message could not be sent; the connection is closing");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _stop.CancelAsync();
        await _pump;
        _stop.Dispose();
    }
}
