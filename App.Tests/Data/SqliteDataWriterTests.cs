using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Data.Sqlite;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Data;

/// <summary>SQLite's side of the seam: writers take turns through the gate, bookkeeping first, bare saves included.</summary>
public sealed class SqliteDataWriterTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    private DataWriter Writer => factory.Services.GetRequiredService<DataWriter>();

    private DatabaseWriteGate Gate => factory.Services.GetRequiredService<DatabaseWriteGate>();

    /// <summary>Waits until the gate has this many writers queued: the test drives the gate, not the clock.</summary>
    private async Task QueuedAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (Gate.Waiting < count)
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    [Fact]
    public async Task WhileAWriterHoldsTheTurn_BookkeepingQueuedLater_GoesBeforeAChange()
    {
        var order = new List<string>();
        Task change, bookkeeping;
        using (await Gate.EnterAsync())
        {
            change = Writer.WriteAsync(WriteKind.Change, _ =>
            {
                lock (order) order.Add("change");
                return Task.CompletedTask;
            });
            await QueuedAsync(1);
            bookkeeping = Writer.WriteAsync(WriteKind.Bookkeeping, _ =>
            {
                lock (order) order.Add("bookkeeping");
                return Task.CompletedTask;
            });
            await QueuedAsync(2);
            Assert.Empty(order);
        }
        await Task.WhenAll(change, bookkeeping);

        Assert.Equal(["bookkeeping", "change"], order);
    }

    [Fact]
    public async Task ABareSaveChanges_AsIdentitysStoresMakeIt_WaitsForItsTurnAtTheGate()
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var table = new TableEntity { Name = "Bare " + Guid.NewGuid().ToString("N")[..6], CreatedAt = DateTimeOffset.UtcNow };
        db.Tables.Add(table);

        Task save;
        using (await Gate.EnterAsync())
        {
            save = db.SaveChangesAsync();
            await QueuedAsync(1);
            Assert.False(save.IsCompleted);
        }
        await save;

        await using var check = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.True(await check.Tables.AnyAsync(t => t.Id == table.Id));
        Assert.Equal(0, Gate.Waiting);
    }
}
