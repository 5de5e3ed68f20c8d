using Undb.Data.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Data;

/// <summary>The per-connection settings hold on every connection EF hands out, pooled or not, reused or new.</summary>
public sealed class SqlitePragmasTests : IDisposable
{
    private readonly TestDatabase _database = new();

    public void Dispose() => _database.Dispose();

    private AppDbContext Context(bool pooling) => new(new DbContextOptionsBuilder<AppDbContext>()
        .UseSqlite($"Data Source={_database.FilePath};Pooling={pooling}")
        .AddInterceptors(SqlitePragmas.Instance)
        .Options);

    private static async Task<(long Synchronous, long BusyTimeout, long AutoCheckpoint)> ReadAsync(AppDbContext db)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            async Task<long> Pragma(string name)
            {
                await using var cmd = connection.CreateCommand();
                cmd.CommandText = "PRAGMA " + name;
                return Convert.ToInt64(await cmd.ExecuteScalarAsync());
            }
            return (await Pragma("synchronous"), await Pragma("busy_timeout"), await Pragma("wal_autocheckpoint"));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EveryConnection_HasTheSettings(bool pooling)
    {
        // Two held open at once force a second physical connection; the rest reuse them from the pool.
        await using var first = Context(pooling);
        await using var second = Context(pooling);
        await first.Database.OpenConnectionAsync();
        var concurrent = await ReadAsync(second);
        await first.Database.CloseConnectionAsync();
        var results = new List<(long, long, long)> { concurrent };
        for (var i = 0; i < 3; i++)
        {
            await using var db = Context(pooling);
            results.Add(await ReadAsync(db));
        }

        // synchronous=NORMAL is 1; checkpoints are SqliteCheckpointer's, a commit only checkpoints at 10,000 pages
        Assert.All(results, r => Assert.Equal((1L, 30_000L, 10_000L), r));
        SqliteConnection.ClearAllPools();
    }
}
