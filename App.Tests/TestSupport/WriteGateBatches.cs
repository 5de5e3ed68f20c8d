using Undb.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;

namespace Undb.Tests.TestSupport;

/// <summary>
/// Makes group commit observable: writes started while a test holds the database write gate cannot run, so they
/// gather into one batch, which runs when the gate is let go.
/// </summary>
public static class WriteGateBatches
{
    public static async Task<Task<T>[]> StartWhileHeldAsync<T>(IServiceProvider services, params Func<Task<T>>[] writes)
    {
        Task<T>[] started;
        using (await services.GetRequiredService<DatabaseWriteGate>().EnterAsync())
        {
            started = writes.Select(w => w()).ToArray();
            // Give the batcher a moment to take what has gathered; it then waits on the gate with all of it.
            await Task.Delay(50);
            Assert.All(started, t => Assert.False(t.IsCompleted));
        }
        return started;
    }
}
