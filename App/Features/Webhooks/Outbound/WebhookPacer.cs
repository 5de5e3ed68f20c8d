using System.Collections.Concurrent;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// Keeps one webhook's sends (in this process) within its <c>maxPerSecond</c>, retries included: a sliding window of
/// the moments it let a request go, so no second — any second, not only whole ones — holds more than that many. A
/// receiver's 429 with <c>Retry-After</c> closes the webhook until then (<see cref="SlowDown"/>), so every delivery to
/// it waits, not only that one. Per instance, like the other rate limits.
/// </summary>
public sealed class WebhookPacer(TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes a send now and returns null, or returns when to ask again (the window is full, or a 429 closed the
    /// webhook). Nothing to keep for a webhook with no limit that was never slowed down.
    /// </summary>
    public DateTimeOffset? TryTake(WebhookEntity webhook)
    {
        var lane = _lanes.GetValueOrDefault(webhook.Id);
        if (webhook.MaxPerSecond is not > 0 && lane is null)
        {
            return null;
        }
        lane ??= _lanes.GetOrAdd(webhook.Id, _ => new Lane());
        var now = time.GetUtcNow();
        lock (lane)
        {
            if (lane.NotBefore > now)
            {
                return lane.NotBefore;
            }
            if (webhook.MaxPerSecond is > 0 and var max)
            {
                while (lane.Sent.Count > 0 && lane.Sent.Peek() <= now - Window)
                {
                    lane.Sent.Dequeue();
                }
                if (lane.Sent.Count >= max)
                {
                    return lane.Sent.Peek() + Window;
                }
                lane.Sent.Enqueue(now);
            }
            return null;
        }
    }

    /// <summary>
    /// Waits for the webhook's turn and takes it (null), unless the wait would be longer than <paramref name="longest"/>:
    /// then returns when it is due, for the caller to hand the delivery back instead of holding a sending slot.
    /// </summary>
    public async Task<DateTimeOffset?> WaitTurnAsync(WebhookEntity webhook, TimeSpan longest, CancellationToken ct)
    {
        while (TryTake(webhook) is { } next)
        {
            var wait = next - time.GetUtcNow();
            if (wait > longest)
            {
                return next;
            }
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, ct);
            }
        }
        return null;
    }

    /// <summary>A 429 with Retry-After: no send to this webhook before <paramref name="until"/>.</summary>
    public void SlowDown(string webhookId, DateTimeOffset until)
    {
        var lane = _lanes.GetOrAdd(webhookId, _ => new Lane());
        lock (lane)
        {
            if (until > lane.NotBefore)
            {
                lane.NotBefore = until;
            }
        }
    }

    private sealed class Lane
    {
        /// <summary>When each of the last sends (within the window) was let go, oldest first.</summary>
        public readonly Queue<DateTimeOffset> Sent = new();
        public DateTimeOffset NotBefore;
    }
}
