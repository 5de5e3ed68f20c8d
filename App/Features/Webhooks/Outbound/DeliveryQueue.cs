using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// A delivery to try now, and the webhook it goes to (so the worker can pick the right lane without a query).
/// <see cref="Claim"/> is set when the delivery was claimed in the transaction that created it.
/// </summary>
public sealed record DeliveryWork(string DeliveryId, string WebhookId, PreClaim? Claim = null, bool Ordered = false);

/// <summary>
/// A fresh delivery claimed (under <see cref="DeliveryEntity.LeaseToken"/>) by the transaction that created it, with
/// the webhook as that transaction read it after <see cref="WebhookVersions"/> stood at <see cref="ReadAt"/>: the
/// worker sends it without another claim, and reads the webhook again only if it may have changed since.
/// </summary>
public sealed record PreClaim(DeliveryEntity Delivery, WebhookEntity Webhook, long ReadAt);

/// <summary>
/// The in-process wake-up for the worker: a bounded channel of delivery ids. It is not the source of truth (the
/// Delivery table is): an id that does not fit, or is lost in a crash, is found again by the sweeper.
/// An id already queued or being sent is not queued twice. When ids were turned away because it was full, it
/// tells the sweeper as soon as half of it is free again, so a burst bigger than the queue keeps flowing.
/// </summary>
public sealed class DeliveryQueue
{
    private readonly Channel<DeliveryWork> _channel;
    private readonly ConcurrentDictionary<string, byte> _held = new();
    private readonly int _capacity;
    private readonly SemaphoreSlim _room = new(0, 1);
    private int _backlog;

    public DeliveryQueue(IOptions<WebhooksOptions> options)
    {
        _capacity = options.Value.QueueCapacity;
        _channel = Channel.CreateBounded<DeliveryWork>(new BoundedChannelOptions(_capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    /// <summary>Deliveries queued or being sent in this process.</summary>
    public int Depth => _held.Count;

    /// <summary>How many more ids fit.</summary>
    public int Room => Math.Max(0, _capacity - _held.Count);

    public bool IsHeld(string deliveryId) => _held.ContainsKey(deliveryId);

    /// <summary>
    /// Completes once due deliveries were left out because the queue was full (<see cref="NoteBacklog"/>) and half of
    /// it is free again; the sweeper then brings them in. A signal given while nobody waits is kept for the next wait.
    /// </summary>
    public Task WaitForRoomAsync(CancellationToken ct) => _room.WaitAsync(ct);

    /// <summary>Due deliveries were left out because the queue was full.</summary>
    public void NoteBacklog()
    {
        Volatile.Write(ref _backlog, 1);
        SignalIfRoom(); // the queue may have drained before the note was taken
    }

    private void SignalIfRoom()
    {
        if (_held.Count <= _capacity / 2 && Interlocked.Exchange(ref _backlog, 0) == 1)
        {
            try
            {
                _room.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled and not yet taken: one wake-up is enough.
            }
        }
    }

    /// <summary>Queues the delivery unless it is already held or the queue is full (then the sweeper brings it back).</summary>
    public bool TryEnqueue(DeliveryWork work)
    {
        if (_held.Count >= _capacity)
        {
            NoteBacklog();
            return false;
        }
        if (!_held.TryAdd(work.DeliveryId, 0))
        {
            return false;
        }
        if (_channel.Writer.TryWrite(work))
        {
            return true;
        }
        _held.TryRemove(work.DeliveryId, out _);
        return false;
    }

    public IAsyncEnumerable<DeliveryWork> ReadAllAsync(CancellationToken ct) => _channel.Reader.ReadAllAsync(ct);

    /// <summary>Called when the worker is done with an id, so a later sweep or wake-up may queue it again.</summary>
    public void Release(string deliveryId)
    {
        if (_held.TryRemove(deliveryId, out _))
        {
            SignalIfRoom();
        }
    }
}
