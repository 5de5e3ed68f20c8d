using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Undb.Data.Postgres;

/// <summary>Start-up on PostgreSQL: migrations and the first Data Protection key, once, however many instances start together.</summary>
public static class PostgresMigrations
{
    /// <summary>The advisory lock instances take around migrations (any constant; "undb" in ASCII).</summary>
    public const long LockKey = 0x756E6462;

    public static async Task MigrateAsync(AppDbContext db, IServiceProvider services, Func<CancellationToken, Task>? thenOnce, CancellationToken ct)
    {
        // A session-level advisory lock on a connection of its own, held while this instance migrates; the others wait.
        // Not pooled: closing it ends the session, which lets go of the lock even if the unlock below never ran (pooled
        // connections are not reset on close, see PostgresData.WithPoolDefaults).
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({LockKey})", connection))
        {
            await take.ExecuteNonQueryAsync(ct);
        }
        try
        {
            await db.Database.MigrateAsync(ct);
            // The key ring is read lazily; created here, under the lock, every instance finds the same first key.
            var keys = services.GetService<IKeyManager>();
            if (keys is not null && keys.GetAllKeys().Count == 0)
            {
                var now = DateTimeOffset.UtcNow;
                keys.CreateNewKey(now, now.AddDays(90));
            }
            if (thenOnce is not null)
            {
                await thenOnce(ct);
            }
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
