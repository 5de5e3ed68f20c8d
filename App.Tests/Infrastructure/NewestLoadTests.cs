using Undb.Infrastructure;

namespace Undb.Tests.Infrastructure;

/// <summary>The grid's loads: overlapping, finishing in any order, and only the newest counts.</summary>
public sealed class NewestLoadTests
{
    [Fact]
    public async Task AStaleLoadFinishingLast_AnswersWithTheNewestLoadsResult()
    {
        var loads = new NewestLoad<string>();
        var stale = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fresh = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = loads.RunAsync(stale.Task);
        var second = loads.RunAsync(fresh.Task);
        fresh.SetResult("ta: 2 records");
        Assert.Equal("ta: 2 records", await second);
        stale.SetResult("a: 3 records");

        Assert.Equal("ta: 2 records", await first);
    }

    [Fact]
    public async Task AStaleLoadFinishingFirst_WaitsForTheNewest()
    {
        var loads = new NewestLoad<string>();
        var stale = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fresh = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = loads.RunAsync(stale.Task);
        var second = loads.RunAsync(fresh.Task);
        stale.SetResult("old");
        fresh.SetResult("new");

        Assert.Equal("new", await first);
        Assert.Equal("new", await second);
    }

    [Fact]
    public async Task ALoadCalledOffForANewerOne_AnswersWithTheNewer_ButTheNewestsOwnFailureIsThrown()
    {
        var loads = new NewestLoad<int>();
        var cancelled = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var newest = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = loads.RunAsync(cancelled.Task);
        var second = loads.RunAsync(newest.Task);
        cancelled.SetCanceled();
        newest.SetResult(7);
        Assert.Equal(7, await first);
        Assert.Equal(7, await second);

        var failing = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var third = loads.RunAsync(failing.Task);
        failing.SetCanceled();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third);
    }

    [Fact]
    public async Task ALoneLoad_AnswersWithItsOwnResult() =>
        Assert.Equal(3, await new NewestLoad<int>().RunAsync(Task.FromResult(3)));
}
