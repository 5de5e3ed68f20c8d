using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Npgsql;
using Undb.Realtime;

namespace Undb.Data.Postgres;

/// <summary>
/// The notifiers' backplane over PostgreSQL's <c>LISTEN/NOTIFY</c>: no server besides the database. One connection
/// per instance listens on one channel; sends are batched into one <c>pg_notify</c> statement per round trip, off
/// the caller's path (a write never waits for its notification). A message names its instance, so an instance skips
/// its own. A lost listening connection is opened again; what was sent meanwhile is missed (see <see cref="INotifierBackplane"/>).
/// </summary>
public sealed class PostgresBackplane(string connectionString, ILogger<PostgresBackplane> logger) : BackgroundService, INotifierBackplane
{
    public const string Channel = "undb_events";

    /// <summary>PostgreSQL refuses a notification payload of 8,000 bytes or more.</summary>
    private const int MaxPayloadBytes = 7_900;

    private readonly string _origin = Guid.NewGuid().ToString("N")[..12];
    private readonly ConcurrentDictionary<Guid, (string Topic, Action<string> Handler)> _listeners = new();
    private readonly Channel<string> _outbox = System.Threading.Channels.Channel.CreateBounded<string>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once this instance listens (tests wait for it rather than for time to pass).</summary>
    public Task Listening => _listening.Task;

    public void Send(string topic, string message)
    {
        var payload = _origin + "\n" + topic + "\n" + message;
        if (Encoding.UTF8.GetByteCount(payload) > MaxPayloadBytes)
        {
            logger.LogWarning("A {Topic} event is too large to reach other instances ({Bytes} bytes); they see it when their caches expire", topic, payload.Length);
            return;
        }
        _outbox.Writer.TryWrite(payload);
    }

    public IDisposable Listen(string topic, Action<string> onMessage)
    {
        var id = Guid.NewGuid();
        _listeners[id] = (topic, onMessage);
        return new Unlisten(this, id);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), SendAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, e) => Dispatch(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }
                _listening.TrySetResult();
                while (true)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Lost the connection that hears other instances' changes; opening it again");
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// Sends what gathered, up to 200 messages per statement, on one connection kept open for it (opened again after a
    /// failure): taking a pooled connection for every send cost a reset statement each time.
    /// </summary>
    private async Task SendAsync(CancellationToken ct)
    {
        var batch = new List<string>();
        NpgsqlConnection? connection = null;
        NpgsqlCommand? notify = null;
        NpgsqlParameter<string[]>? messages = null;
        try
        {
            while (await _outbox.Reader.WaitToReadAsync(ct))
            {
                batch.Clear();
                while (batch.Count < 200 && _outbox.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                }
                try
                {
                    if (connection is null || notify is null || messages is null)
                    {
                        connection = new NpgsqlConnection(connectionString);
                        await connection.OpenAsync(ct);
                        // Prepared once per connection: unprepared, the server planned it at every send.
                        messages = new NpgsqlParameter<string[]>("m", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text);
                        notify = new NpgsqlCommand($"SELECT pg_notify('{Channel}', m) FROM unnest(@m) AS m", connection) { Parameters = { messages } };
                        await notify.PrepareAsync(ct);
                    }
                    messages.TypedValue = batch.ToArray();
                    await notify.ExecuteNonQueryAsync(ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Could not tell other instances about {Count} changes; they see them when their caches expire", batch.Count);
                    if (notify is not null)
                    {
                        await notify.DisposeAsync();
                        notify = null;
                    }
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            if (notify is not null)
            {
                await notify.DisposeAsync();
            }
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private void Dispatch(string payload)
    {
        var first = payload.IndexOf('\n');
        var second = first < 0 ? -1 : payload.IndexOf('\n', first + 1);
        if (second < 0 || payload.AsSpan(0, first).SequenceEqual(_origin))
        {
            return;
        }
        var topic = payload[(first + 1)..second];
        var message = payload[(second + 1)..];
        foreach (var (_, (t, handler)) in _listeners)
        {
            if (t == topic)
            {
                try
                {
                    handler(message);
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "A listener for {Topic} from another instance failed", topic);
                }
            }
        }
    }

    private sealed class Unlisten(PostgresBackplane owner, Guid id) : IDisposable
    {
        public void Dispose() => owner._listeners.TryRemove(id, out _);
    }
}
