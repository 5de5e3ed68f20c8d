namespace Undb.Features.Webhooks.Outbound.Components;

/// <summary>
/// Coalesces bursts of change notifications into few reloads: while one reload runs, any number of further requests
/// become a single reload after it, so a burst of deliveries does not queue a query per delivery.
/// </summary>
public sealed class RefreshGate
{
    private int _state; // 0 idle, 1 running, 2 running and another requested

    public async Task RunAsync(Func<Task> reload)
    {
        if (Interlocked.Increment(ref _state) > 1)
        {
            // Someone is reloading; make sure they go round once more, capped at one extra pass.
            Interlocked.Exchange(ref _state, 2);
            return;
        }
        do
        {
            Interlocked.Exchange(ref _state, 1);
            await reload();
        }
        while (Interlocked.CompareExchange(ref _state, 0, 1) != 1);
    }
}
