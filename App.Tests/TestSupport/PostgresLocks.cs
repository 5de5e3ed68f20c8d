using Npgsql;

namespace Undb.Tests.TestSupport;

/// <summary>What a PostgreSQL server reports about its sessions' locks, for tests that hold a row to see who waits.</summary>
public static class PostgresLocks
{
    /// <summary>Waits (by what the server reports, not by time) until some session of the database is blocked on a lock.</summary>
    public static async Task WaitUntilASessionWaitsForALockAsync(string connectionString)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var probe = new NpgsqlConnection(connectionString);
        await probe.OpenAsync(deadline.Token);
        await using var waiting = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", probe);
        while ((long)(await waiting.ExecuteScalarAsync(deadline.Token))! == 0)
        {
            await Task.Delay(10, deadline.Token);
        }
    }
}
