using Undb.Data.Sqlite;
using Undb.Data;

namespace Undb.Tests.Data;

public sealed class DatabaseWriteGateTests
{
    [Fact]
    public async Task OneHolderAtATime_NextWaiterEntersOnRelease()
    {
        var gate = new DatabaseWriteGate(serialize: true);
        var first = await gate.EnterAsync();
        var second = gate.EnterAsync().AsTask();

        Assert.False(second.IsCompleted);
        first.Dispose();
        (await second).Dispose();
    }

    [Fact]
    public async Task HighPriorityWaiter_GoesBeforeEarlierNormalWaiters()
    {
        var gate = new DatabaseWriteGate(serialize: true);
        var order = new List<string>();
        var holder = await gate.EnterAsync();
        var normal = Enter("normal", WritePriority.Normal);
        var high = Enter("high", WritePriority.High);

        holder.Dispose();
        await Task.WhenAll(normal, high);

        Assert.Equal(["high", "normal"], order);

        async Task Enter(string name, WritePriority priority)
        {
            using (await gate.EnterAsync(priority))
            {
                lock (order)
                {
                    order.Add(name);
                }
            }
        }
    }

    [Fact]
    public async Task CancelledWaiter_IsSkipped_AndTheGateStillPassesOn()
    {
        var gate = new DatabaseWriteGate(serialize: true);
        var holder = await gate.EnterAsync();
        using var cts = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(cts.Token).AsTask();
        var next = gate.EnterAsync().AsTask();

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        holder.Dispose();

        (await next).Dispose();
        (await gate.EnterAsync()).Dispose();
    }

    [Fact]
    public async Task OpenGate_NeverWaits()
    {
        var gate = new DatabaseWriteGate(serialize: false);
        using var a = await gate.EnterAsync();
        var b = gate.EnterAsync().AsTask();

        Assert.True(b.IsCompletedSuccessfully);
    }
}
