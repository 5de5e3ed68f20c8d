using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Npgsql;
using Undb.Realtime;

namespace Undb.Data.Postgres;

/// <summary>
/// The notifiers' backplane over PostgreSQL's <c>LISTEN/NOTIFY</c>: no server besides the database. One connection
/// per instance listens on one channel; sends are batched into one <c>pg_notify</c> statement per round trip, off
/// the caller's path (a write never waits for its notification), and the messages that gathered travel packed several
/// to a notification (<see cref="Pack"/>): every instance hears every notification, so under load one per message
/// cost each of them a wake-up, a parse and two socket calls per message. A notification names its instance, so an
/// instance skips its own. A lost listening connection is opened again; what was sent meanwhile is missed (see
/// <see cref="INotifierBackplane"/>).
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
        // A message is one line (the notifiers send compact JSON, which escapes every line break); the caller has
        // committed already, so one that is not is left to the caches' expiry rather than thrown back at it.
        if (topic.Contains('\n') || message.Contains('\n'))
        {
            logger.LogWarning("A {Topic} event is not one line of text and cannot reach other instances; they see it when their caches expire", topic);
            return;
        }
        var part = topic + "\n" + message;
        var bytes = _origin.Length + 1 + Encoding.UTF8.GetByteCount(part);
        if (bytes > MaxPayloadBytes)
        {
            logger.LogWarning("A {Topic} event is too large to reach other instances ({Bytes} bytes); they see it when their caches expire", topic, bytes);
            return;
        }
        _outbox.Writer.TryWrite(part);
    }

    /// <summary>
    /// Packs messages (each <c>topic\nmessage</c>, in order) into as few notification payloads as fit under
    /// <paramref name="maxBytes"/>: <c>origin\ntopic\nmessage\ntopic\nmessage…</c>. One message alone is the format
    /// a single notification always had.
    /// </summary>
    public static List<string> Pack(string origin, IReadOnlyList<string> parts, int maxBytes = MaxPayloadBytes)
    {
        var payloads = new List<string>();
        var payload = new StringBuilder(origin);
        var bytes = Encoding.UTF8.GetByteCount(origin);
        var count = 0;
        foreach (var part in parts)
        {
            var size = 1 + Encoding.UTF8.GetByteCount(part);
            if (count > 0 && bytes + size > maxBytes)
            {
                payloads.Add(payload.ToString());
                payload.Clear().Append(origin);
                bytes = Encoding.UTF8.GetByteCount(origin);
                count = 0;
            }
            payload.Append('\n').Append(part);
            bytes += size;
            count++;
        }
        if (count > 0)
        {
            payloads.Add(payload.ToString());
        }
        return payloads;
    }

    /// <summary>A payload's origin and its messages, in order (see <see cref="Pack"/>).</summary>
    public static (string Origin, List<(string Topic, string Message)> Messages) Unpack(string payload)
    {
        var messages = new List<(string, string)>();
        var end = payload.IndexOf('\n');
        if (end < 0)
        {
            return (payload, messages);
        }
        var origin = payload[..end];
        while (end < payload.Length)
        {
            var topicEnd = payload.IndexOf('\n', end + 1);
            if (topicEnd < 0)
            {
                break;
            }
            var messageEnd = payload.IndexOf('\n', topicEnd + 1);
            if (messageEnd < 0)
            {
                messageEnd = payload.Length;
            }
            messages.Add((payload[(end + 1)..topicEnd], payload[(topicEnd + 1)..messageEnd]));
            end = messageEnd;
        }
        return (origin, messages);
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
    /// Sends what gathered, up to 1,000 messages per statement packed into as few notifications as fit, on one
    /// connection kept open for it (opened again after a failure): taking a pooled connection for every send cost a
    /// reset statement each time.
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
                while (batch.Count < 1_000 && _outbox.Reader.TryRead(out var next))
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
                    messages.TypedValue = Pack(_origin, batch).ToArray();
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
        if (payload.Length > _origin.Length && payload[_origin.Length] == '\n' && payload.StartsWith(_origin, StringComparison.Ordinal))
        {
            return; // this instance's own
        }
        var (_, messages) = Unpack(payload);
        foreach (var (topic, message) in messages)
        {
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
    }

    private sealed class Unlisten(PostgresBackplane owner, Guid id) : IDisposable
    {
        public void Dispose() => owner._listeners.TryRemove(id, out _);
    }
}
