using System.ComponentModel.DataAnnotations;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Undb.Data;

/// <summary>Database settings from the <c>Database</c> configuration section.</summary>
public sealed class DatabaseOptions : IValidatableObject
{
    public const string Section = "Database";

    /// <summary>How often the SQLite write-ahead log is copied into the database file, off the writers' path.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CheckpointInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult("must be positive", [nameof(CheckpointInterval)]);
        }
    }
}

/// <summary>What one checkpoint found: frames in the write-ahead log, and how many of them are now in the database file.</summary>
public sealed record CheckpointResult(bool Busy, long LogFrames, long CheckpointedFrames);

/// <summary>
/// Copies SQLite's write-ahead log into the database file in the background (a passive checkpoint, which waits for
/// no reader or writer). Left to SQLite, the commit that crosses its threshold does the copying itself, while it holds
/// the one write lock: every writer waiting behind it (record writes, delivery results) waits the copy out too, which
/// showed in tail latencies. Connections keep a far higher automatic threshold (<see cref="SqlitePragmas"/>) as a
/// backstop, should this service ever fall behind.
/// </summary>
public sealed class SqliteCheckpointer(string connectionString, IOptions<DatabaseOptions> options, ILogger<SqliteCheckpointer> logger)
    : BackgroundService
{
    private TaskCompletionSource<CheckpointResult> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the result of the next checkpoint this service runs.</summary>
    public Task<CheckpointResult> NextCheckpoint => Volatile.Read(ref _next).Task;

    /// <summary>One passive checkpoint, now.</summary>
    public async Task<CheckpointResult> CheckpointAsync(CancellationToken ct)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new CheckpointResult(reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Real time, not the app's TimeProvider: this paces disk work, and a test's clock jumping days ahead must not
        // replay every missed tick.
        using var timer = new PeriodicTimer(options.Value.CheckpointInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var result = await CheckpointAsync(stoppingToken);
                Interlocked.Exchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(result);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not fatal: the next tick tries again, and SQLite's own threshold still bounds the log.
                logger.LogWarning(ex, "A background checkpoint of the SQLite write-ahead log failed");
            }
        }
    }
}
