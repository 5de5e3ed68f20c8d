using Undb.Data;

namespace Undb.Tests.Data;

public sealed class WriteBatcherTests
{
    [Fact]
    public async Task ItemsSubmittedWhileAFlushRuns_ShareTheNextBatch()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batches = new List<int>();
        using var batcher = new WriteBatcher<int, int>(async (items, _) =>
        {
            lock (batches)
            {
                batches.Add(items.Count);
            }
            await release.Task;
            return items.Select(i => i * 10).ToList();
        });

        var first = batcher.SubmitAsync(1);
        await WaitUntilAsync(() => batches.Count == 1);
        var rest = Enumerable.Range(2, 5).Select(batcher.SubmitAsync).ToList();
        release.SetResult();

        Assert.Equal(10, await first);
        var values = await Task.WhenAll(rest);
        Assert.Equal(new[] { 20, 30, 40, 50, 60 }, values);
        Assert.Equal(new[] { 1, 5 }, batches);
    }

    [Fact]
    public async Task AFailingBatch_IsRetriedItemByItem_SoOnlyTheBadItemFails()
    {
        using var batcher = new WriteBatcher<int, int>((items, _) =>
            items.Contains(13) ? throw new InvalidOperationException("13 is bad") : Task.FromResult<IReadOnlyList<int>>(items.ToList()));

        var results = Enumerable.Range(10, 5).Select(batcher.SubmitAsync).ToList();

        foreach (var (task, value) in results.Zip(Enumerable.Range(10, 5)))
        {
            if (value == 13)
            {
                await Assert.ThrowsAsync<InvalidOperationException>(() => task);
            }
            else
            {
                Assert.Equal(value, await task);
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
