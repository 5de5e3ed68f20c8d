using System.ComponentModel.DataAnnotations;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Undb.Data.Sqlite;

/// <summary>Database settings from the <c>Database</c> configuration section.</summary>
public sealed class DatabaseOptions : IValidatableObject
{
    public const string Section = "Database";

    /// <summary>How often the SQLite write-ahead log is copied into the database file, off the writers' path.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Log size, in pages, from which the background service starts the log again itself (see <see cref="SqliteCheckpointer"/>);
    /// sooner if at the rate it grew over the last interval it would reach the backstop at which a committing writer
    /// does it (<see cref="SqlitePragmas.AutoCheckpointPages"/>) by the next one. Each restart holds the writers back for
    /// a few milliseconds, so not every interval.
    /// </summary>
    public int WalRestartPages { get; set; } = 8_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CheckpointInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult("must be positive", [nameof(CheckpointInterval)]);
        }
        if (WalRestartPages is < 1 or >= SqlitePragmas.AutoCheckpointPages)
        {
            yield return new ValidationResult($"must be from 1 to {SqlitePragmas.AutoCheckpointPages - 1}", [nameof(WalRestartPages)]);
        }
    }
}

/// <summary>What one checkpoint found: frames in the write-ahead log, and how many of them are now in the database file.</summary>
public sealed record CheckpointResult(bool Busy, long LogFrames, long CheckpointedFrames);

/// <summary>The SQLite checkpoint modes this service uses. Neither waits for a lock: what is held is reported as busy.</summary>
public enum CheckpointMode
{
    /// <summary>Copies what it can, alongside any reader or writer.</summary>
    Passive,

    /// <summary>Copies every frame, so that the next write starts the log again from its beginning; needs no writer to be active.</summary>
    Restart,
}

/// <summary>
/// Copies SQLite's write-ahead log into the database file in the background (a passive checkpoint, which waits for
/// no reader or writer). Left to SQLite, the commit that crosses its threshold does the copying itself, while it holds
/// the one write lock: every writer waiting behind it (record writes, delivery results) waits the copy out too, which
/// showed in tail latencies. Connections keep a far higher automatic threshold (<see cref="SqlitePragmas"/>) as a
/// backstop.
/// <para>
/// Under a steady stream of writes, though, passive checkpoints alone never empty the log: frames are appended while
/// one copies, and SQLite starts the log again from its beginning only when a write begins with every frame already
/// copied. The log then grows to the backstop, and the commit that crosses it copies and syncs a second's worth of
/// pages while every writer waits (about 20 ms, once a second, at 2,000 incoming requests/s; docs/benchmarks.md). So
/// once the log passes <see cref="DatabaseOptions.WalRestartPages"/>, this service empties it itself: it first writes
/// what the passive checkpoint copied to disk, outside any lock, and then runs a restart checkpoint inside the app's
/// write gate, where writers wait only while the last few frames are copied and synced.
/// </para>
/// </summary>
public sealed class SqliteCheckpointer(
    string connectionString, IOptions<DatabaseOptions> options, DatabaseWriteGate writeGate, ILogger<SqliteCheckpointer> logger)
    : BackgroundService
{
    private TaskCompletionSource<CheckpointResult> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the result of the next checkpoint this service runs.</summary>
    public Task<CheckpointResult> NextCheckpoint => Volatile.Read(ref _next).Task;

    /// <summary>One passive checkpoint, now.</summary>
    public Task<CheckpointResult> CheckpointAsync(CancellationToken ct) => CheckpointAsync(CheckpointMode.Passive, ct);

    /// <summary>
    /// Empties the log so that the next write starts it again from its beginning: writes dirty pages to disk, then runs
    /// a restart checkpoint while holding the write gate. Busy if a reader still needed the log or a writer outside
    /// the gate was active; the next interval tries again.
    /// </summary>
    public async Task<CheckpointResult> RestartLogAsync(CancellationToken ct)
    {
        FlushFileSystem();
        using (await writeGate.EnterAsync(WritePriority.High, ct))
        {
            return await CheckpointAsync(CheckpointMode.Restart, ct);
        }
    }

    /// <summary>One checkpoint in the given mode, now.</summary>
    public async Task<CheckpointResult> CheckpointAsync(CheckpointMode mode, CancellationToken ct)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = mode == CheckpointMode.Restart ? "PRAGMA wal_checkpoint(RESTART);" : "PRAGMA wal_checkpoint(PASSIVE);";
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new CheckpointResult(reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Real time, not the app's TimeProvider: this paces disk work, and a test's clock jumping days ahead must not
        // replay every missed tick.
        using var timer = new PeriodicTimer(options.Value.CheckpointInterval);
        long lastFrames = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var result = await CheckpointAsync(stoppingToken);
                var grown = result.LogFrames - lastFrames;
                lastFrames = result.LogFrames;
                if (ShouldRestart(result.LogFrames, grown, options.Value.WalRestartPages))
                {
                    lastFrames = 0;
                    var restart = await RestartLogAsync(stoppingToken);
                    logger.LogDebug("Restart checkpoint at {Frames} log frames: {Result}", result.LogFrames, restart);
                }
                Interlocked.Exchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(result);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not fatal: the next tick tries again, and SQLite's own threshold still bounds the log.
                logger.LogWarning(ex, "A background checkpoint of the SQLite write-ahead log failed");
            }
        }
    }

    /// <summary>
    /// Whether to empty a log of <paramref name="frames"/> pages that grew by <paramref name="grown"/> since the last
    /// interval: at the threshold, or if growing as fast again would take it within a tenth of SQLite's backstop.
    /// </summary>
    internal static bool ShouldRestart(long frames, long grown, int restartPages) =>
        frames >= restartPages || (grown > 0 && frames + grown >= SqlitePragmas.AutoCheckpointPages * 9L / 10);

    /// <summary>
    /// Writes the file system's dirty pages to disk (Linux <c>syncfs</c>), so that the syncs inside the restart
    /// checkpoint, while writers wait, have only the last few pages left to write. It goes through a descriptor of the
    /// log, never of the database file: closing one of those would drop the locks SQLite holds on it. Best effort;
    /// elsewhere the restart checkpoint writes it all itself.
    /// </summary>
    private void FlushFileSystem()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var log = new SqliteConnectionStringBuilder(connectionString).DataSource + "-wal";
        try
        {
            using var handle = File.OpenHandle(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (SyncFs((int)handle.DangerousGetHandle()) != 0)
            {
                logger.LogDebug("syncfs on the write-ahead log failed (errno {Errno})", Marshal.GetLastPInvokeError());
            }
        }
        catch (IOException ex)
        {
            logger.LogDebug(ex, "Could not open the write-ahead log to flush it");
        }
    }

    [DllImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static extern int SyncFs(int fd);
}
