using System.Collections.Concurrent;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>
/// Spaces one webhook's sends (in this process) so they respect its <c>maxPerSecond</c>: each send takes the next
/// turn, at least 1/maxPerSecond after the one before, retries included. A receiver's 429 with <c>Retry-After</c>
/// pushes the webhook's next turn back (<see cref="SlowDown"/>), so every delivery to it waits, not only that one.
/// Per instance, like the other rate limits.
/// </summary>
public sealed class WebhookPacer(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Reserves the webhook's next turn and returns when it is; null (no wait) when the webhook has no limit and no pause.</summary>
    public DateTimeOffset? NextTurn(WebhookEntity webhook)
    {
        var lane = _lanes.GetValueOrDefault(webhook.Id);
        if (webhook.MaxPerSecond is not > 0 && lane is null)
        {
            return null;
        }
        lane ??= _lanes.GetOrAdd(webhook.Id, _ => new Lane());
        var now = time.GetUtcNow();
        var spacing = webhook.MaxPerSecond is > 0 and var max ? TimeSpan.FromTicks(TimeSpan.TicksPerSecond / max) : TimeSpan.Zero;
        lock (lane)
        {
            var turn = lane.Next > now ? lane.Next : now;
            lane.Next = turn + spacing;
            return turn;
        }
    }

    /// <summary>A 429 with Retry-After: no send to this webhook before <paramref name="until"/>.</summary>
    public void SlowDown(string webhookId, DateTimeOffset until)
    {
        var lane = _lanes.GetOrAdd(webhookId, _ => new Lane());
        lock (lane)
        {
            if (until > lane.Next)
            {
                lane.Next = until;
            }
        }
    }

    /// <summary>Waits for the turn on the app's clock.</summary>
    public Task WaitAsync(DateTimeOffset turn, CancellationToken ct)
    {
        var wait = turn - time.GetUtcNow();
        return wait > TimeSpan.Zero ? Task.Delay(wait, time, ct) : Task.CompletedTask;
    }

    private sealed class Lane
    {
        public DateTimeOffset Next;
    }
}
