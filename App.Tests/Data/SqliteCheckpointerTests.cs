using Undb.Data.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Data;

/// <summary>The write-ahead log is copied into the database file by the background service, not by a committing writer.</summary>
public sealed class SqliteCheckpointerTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    [Fact]
    public async Task CheckpointAsync_CopiesEveryCommittedFrame_IntoTheDatabaseFile()
    {
        using var database = new TestDatabase();
        await using var writer = await OpenWriterAsync(database); // the app's settings: a commit alone does not checkpoint these few pages
        await ExecuteAsync(writer, "CREATE TABLE t (v TEXT); INSERT INTO t VALUES (randomblob(50000));");
        var checkpointer = NewCheckpointer(database);

        var result = await checkpointer.CheckpointAsync(CancellationToken.None);

        Assert.False(result.Busy);
        Assert.True(result.LogFrames > 10, $"expected the insert's frames in the log, found {result.LogFrames}");
        Assert.Equal(result.LogFrames, result.CheckpointedFrames);
    }

    [Fact]
    public async Task RestartLogAsync_CopiesEveryFrame_AndTheNextWriteStartsTheLogAgain()
    {
        using var database = new TestDatabase();
        await using var writer = await OpenWriterAsync(database);
        await ExecuteAsync(writer, "CREATE TABLE t (v TEXT); INSERT INTO t VALUES (randomblob(200000));");
        var checkpointer = NewCheckpointer(database);

        var restart = await checkpointer.RestartLogAsync(CancellationToken.None);
        await ExecuteAsync(writer, "INSERT INTO t VALUES ('small');");
        var after = await checkpointer.CheckpointAsync(CancellationToken.None);

        Assert.False(restart.Busy);
        Assert.True(restart.LogFrames > 40, $"expected the big insert's frames in the log, found {restart.LogFrames}");
        Assert.Equal(restart.LogFrames, restart.CheckpointedFrames);
        // Started again from its beginning: only the small insert's frames, not appended after the big one's.
        Assert.True(after.LogFrames < 5, $"expected the log to hold only the small insert, found {after.LogFrames} frames");
        Assert.Equal(2, await ScalarAsync(writer, "SELECT count(*) FROM t;"));
    }

    [Fact]
    public async Task RestartLogAsync_WaitsForTheWriteGate()
    {
        using var database = new TestDatabase();
        await using var writer = await OpenWriterAsync(database);
        await ExecuteAsync(writer, "CREATE TABLE t (v TEXT); INSERT INTO t VALUES (randomblob(50000));");
        var gate = new DatabaseWriteGate(serialize: true);
        var checkpointer = NewCheckpointer(database, gate);

        Task<CheckpointResult> restart;
        using (await gate.EnterAsync())
        {
            restart = checkpointer.RestartLogAsync(CancellationToken.None);
            await Task.Delay(200);
            Assert.False(restart.IsCompleted, "the restart checkpoint ran while a writer held the gate");
        }
        var result = await restart.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(result.Busy);
        Assert.Equal(result.LogFrames, result.CheckpointedFrames);
    }

    [Fact]
    public async Task RestartLogAsync_WithAReaderStillOnTheLog_ReportsBusy_WithoutWaitingForIt()
    {
        using var database = new TestDatabase();
        await using var writer = await OpenWriterAsync(database);
        await ExecuteAsync(writer, "CREATE TABLE t (v TEXT); INSERT INTO t VALUES (randomblob(50000));");
        await using var reader = new SqliteConnection(database.ConnectionString);
        await reader.OpenAsync();
        await ExecuteAsync(reader, "BEGIN; SELECT count(*) FROM t;"); // a read transaction on the log as it is now
        await ExecuteAsync(writer, "INSERT INTO t VALUES (randomblob(50000));"); // frames that reader must not see copied over
        var checkpointer = NewCheckpointer(database);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await checkpointer.RestartLogAsync(CancellationToken.None);

        // It holds the app's write gate: it must give up, not wait out a busy timeout (30 s by default) for the reader.
        Assert.True(result.Busy);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        await ExecuteAsync(reader, "COMMIT;");
    }

    [Theory]
    [InlineData(7_999, 100, false)] // below the threshold, growing slowly
    [InlineData(8_000, 0, true)] // at the threshold
    [InlineData(4_500, 4_500, true)] // one more interval like the last would reach the backstop
    [InlineData(4_000, 4_000, false)] // one more would still leave room
    [InlineData(5_000, -3_000, false)] // emptied meanwhile (a writer restarted it)
    public void ShouldRestart_AtTheThreshold_OrWhenTheNextIntervalWouldReachTheBackstop(long frames, long grown, bool expected)
    {
        Assert.Equal(expected, SqliteCheckpointer.ShouldRestart(frames, grown, restartPages: 8_000));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(SqlitePragmas.AutoCheckpointPages)]
    public void Options_RestartAtOrPastSqlitesOwnThreshold_IsRejected(int pages)
    {
        var options = new DatabaseOptions { WalRestartPages = pages };

        var errors = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToList();

        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(DatabaseOptions.WalRestartPages)));
    }

    /// <summary>A checkpointer on the test's database with default options, behind <paramref name="gate"/> (a gate of its own if none).</summary>
    private static SqliteCheckpointer NewCheckpointer(TestDatabase database, DatabaseWriteGate? gate = null) =>
        new(database.ConnectionString, Options.Create(new DatabaseOptions()), gate ?? new DatabaseWriteGate(serialize: true), NullLogger<SqliteCheckpointer>.Instance);

    /// <summary>A writer with the app's settings, held open by the test: closing the last connection would checkpoint (and remove) the log by itself.</summary>
    private static async Task<SqliteConnection> OpenWriterAsync(TestDatabase database)
    {
        var writer = new SqliteConnection(database.ConnectionString);
        await writer.OpenAsync();
        await ExecuteAsync(writer, "PRAGMA journal_mode=WAL; " + SqlitePragmas.Settings);
        return writer;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task TheRunningApp_CheckpointsWhatItsWritersCommit_OnItsOwn()
    {
        string connectionString;
        var table = await TablesSeed.DealsAsync(factory.Services);
        var records = factory.Services.GetRequiredService<RecordService>();
        var checkpointer = factory.Services.GetRequiredService<SqliteCheckpointer>();
        await using (var context = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            connectionString = context.Database.GetConnectionString()!;
        }
        // Held open and used, as the app's connection pool would: closing the last connection that has read the
        // database checkpoints (and removes) the log by itself.
        await using var held = new SqliteConnection(connectionString);
        await held.OpenAsync();
        await using (var read = held.CreateCommand())
        {
            read.CommandText = "SELECT count(*) FROM sqlite_master;";
            await read.ExecuteScalarAsync();
        }

        var next = checkpointer.NextCheckpoint;
        await records.BulkCreateAsync(table.Id, Enumerable.Range(0, 200).Select(i => TablesSeed.Input($$"""{"Deal":"Deal {{i}} {{new string('x', 200)}}"}""")).ToList(), null);
        // The tick under way when the write committed may have run before it; the one after surely sees it.
        await next.WaitAsync(TimeSpan.FromSeconds(30));
        var result = await checkpointer.NextCheckpoint.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.LogFrames > 0, "the bulk write's frames should be in the log");
        Assert.Equal(result.LogFrames, result.CheckpointedFrames);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal(200, await db.Records.CountAsync(r => r.TableId == table.Id));
    }
}
