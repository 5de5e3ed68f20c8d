using Microsoft.Extensions.DependencyInjection;
using Undb.Data;

namespace Undb.Tests.TestSupport;

/// <summary>
/// Makes group commit observable without depending on timing: writes started while the test holds every group commit
/// (<see cref="GroupCommitPause"/>) wait in their batchers' queues; once all of them are there (a count, not a
/// clock), the hold is let go and each batcher takes what gathered as one batch.
/// </summary>
public static class WriteGateBatches
{
    public static async Task<Task<T>[]> StartWhileHeldAsync<T>(IServiceProvider services, params Func<Task<T>>[] writes)
    {
        var pause = services.GetRequiredService<DataWriter>().GroupCommits;
        Task<T>[] started;
        using (pause.Hold())
        {
            started = writes.Select(w => w()).ToArray();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (pause.Queued < writes.Length)
            {
                // A write may fail before it reaches its queue (a validation error); then it is done already.
                if (started.Count(t => t.IsCompleted) + pause.Queued >= writes.Length && started.Any(t => t.IsCompleted))
                {
                    break;
                }
                await Task.Delay(5, deadline.Token);
            }
            Assert.All(started, t => Assert.False(t.IsCompleted && !t.IsFaulted && !t.IsCanceled, "a write completed while group commits were held"));
        }
        return started;
    }
}
