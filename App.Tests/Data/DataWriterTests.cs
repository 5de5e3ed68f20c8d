using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Data;

/// <summary>The one write seam, as every engine must keep it: commit, then the after-commit work; a failure writes nothing.</summary>
[Trait("Engines", "Both")]
public sealed class DataWriterTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    private DataWriter Writer => factory.Services.GetRequiredService<DataWriter>();

    private async Task<bool> TableExistsAsync(string id)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Tables.AnyAsync(t => t.Id == id);
    }

    [Fact]
    public async Task WriteAsync_SavesWhatTheSessionTracks_AndRunsAfterCommitWorkOnceItIsVisible()
    {
        var table = new TableEntity { Name = "Seam " + Guid.NewGuid().ToString("N")[..6], CreatedAt = DateTimeOffset.UtcNow };
        bool? visibleAfterCommit = null;
        var order = new List<string>();

        var result = await Writer.WriteAsync(session =>
        {
            session.Db.Tables.Add(table);
            session.BeforeCommit(_ =>
            {
                order.Add("before");
                return Task.CompletedTask;
            });
            session.AfterCommit(() =>
            {
                order.Add("after");
                visibleAfterCommit = TableExistsAsync(table.Id).GetAwaiter().GetResult();
            });
            order.Add("work");
            return Task.FromResult(42);
        });

        Assert.Equal(42, result);
        Assert.Equal(["work", "before", "after"], order);
        Assert.True(visibleAfterCommit);
        Assert.True(await TableExistsAsync(table.Id));
    }

    [Fact]
    public async Task WriteAsync_WhenTheWorkThrows_WritesNothing_AndSkipsAfterCommitWork()
    {
        var table = new TableEntity { Name = "Seam " + Guid.NewGuid().ToString("N")[..6], CreatedAt = DateTimeOffset.UtcNow };
        var ran = false;

        await Assert.ThrowsAsync<InvalidOperationException>(() => Writer.WriteAsync(async session =>
        {
            session.Db.Tables.Add(table);
            await session.SaveAsync(CancellationToken.None); // written inside the transaction, then rolled back
            session.AfterCommit(() => ran = true);
            throw new InvalidOperationException("refused");
        }));

        Assert.False(ran);
        Assert.False(await TableExistsAsync(table.Id));
    }

    [Fact]
    public async Task WriteAsync_AnAfterCommitActionThatThrows_DoesNotUndoOrFailTheWrite()
    {
        var table = new TableEntity { Name = "Seam " + Guid.NewGuid().ToString("N")[..6], CreatedAt = DateTimeOffset.UtcNow };
        var second = false;

        await Writer.WriteAsync(session =>
        {
            session.Db.Tables.Add(table);
            session.AfterCommit(() => throw new InvalidOperationException("a subscriber failed"));
            session.AfterCommit(() => second = true);
            return Task.CompletedTask;
        });

        Assert.True(second);
        Assert.True(await TableExistsAsync(table.Id));
    }

    [Fact]
    public async Task ForUpdate_ReadsTheSameRowsAsWithoutIt()
    {
        var snapshot = await TablesSeed.DealsAsync(factory.Services);

        var ids = await Writer.WriteAsync(session =>
            session.Db.Fields.Where(f => f.TableId == snapshot.Id).OrderBy(f => f.Order).Select(f => f.Id).ForUpdate().ToListAsync());
        var skipping = await Writer.WriteAsync(session =>
            session.Db.Fields.Where(f => f.TableId == snapshot.Id).OrderBy(f => f.Order).Select(f => f.Id).ForUpdateSkipLocked().ToListAsync());

        Assert.Equal(snapshot.Fields.Select(f => f.Id), ids);
        Assert.Equal(ids, skipping);
    }
}
